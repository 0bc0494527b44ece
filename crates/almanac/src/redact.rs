//! Connection URLs as they may be shown: in `Debug` output, logs and error messages, a password
//! they hold is replaced.

/// The URL with its password, if any, replaced by `***`; text that does not parse as a URL is
/// not shown at all, since it may hold one in a form the parser does not recognise.
pub fn url_without_password(url: &str) -> String {
    match url::Url::parse(url) {
        // `user:password@host` parses, as a scheme and an opaque path.
        Ok(parsed) if parsed.cannot_be_a_base() => "(not a URL)".to_owned(),
        Ok(mut parsed) => {
            if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
                return "(a URL with a password)".to_owned();
            }
            parsed.to_string()
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            url_without_password("postgres://almanac:s3cret@db:5432/almanac"),
            "postgres://almanac:***@db:5432/almanac"
        );
        assert_eq!(
            url_without_password("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
        assert_eq!(
            url_without_password("redis://cache:6379/0"),
            "redis://cache:6379/0"
        );
        assert_eq!(url_without_password("almanac:s3cret@db"), "(not a URL)");
    }
}
