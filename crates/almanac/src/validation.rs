//! Field-level validation errors, collected across a whole request so that a client learns every
//! problem at once. They serialize to DRF's shape: `{"field": ["message", …]}`.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// The key DRF uses for errors that belong to no single field.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object, example = json!({"email": ["Enter a valid email address."], "recurrence": {"count": ["Ensure this value is greater than or equal to 1."]}}))]
pub struct FieldErrors(BTreeMap<String, Entry>);

/// A field's messages, or the errors of a nested object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum Entry {
    Messages(Vec<String>),
    Nested(FieldErrors),
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        match self
            .0
            .entry(field.to_owned())
            .or_insert_with(|| Entry::Messages(Vec::new()))
        {
            Entry::Messages(messages) => messages.push(message.into()),
            Entry::Nested(nested) => nested.add(NON_FIELD_ERRORS, message),
        }
    }

    /// Files `nested` under `field`, merged with what is there.
    pub fn add_nested(&mut self, field: &str, nested: FieldErrors) {
        let mut target = match self.0.remove(field) {
            Some(Entry::Nested(existing)) => existing,
            Some(Entry::Messages(messages)) => {
                let mut existing = FieldErrors::new();
                for message in messages {
                    existing.add(NON_FIELD_ERRORS, message);
                }
                existing
            }
            None => FieldErrors::new(),
        };
        target.merge(nested);
        self.0.insert(field.to_owned(), Entry::Nested(target));
    }

    /// Lifts the errors nested under `field` to the top level.
    pub fn unnest(mut self, field: &str) -> FieldErrors {
        if let Some(Entry::Nested(nested)) = self.0.remove(field) {
            self.merge(nested);
        }
        self
    }

    fn merge(&mut self, other: FieldErrors) {
        for (field, entry) in other.0 {
            match entry {
                Entry::Messages(messages) => messages
                    .into_iter()
                    .for_each(|message| self.add(&field, message)),
                Entry::Nested(nested) => self.add_nested(&field, nested),
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was reported, the errors otherwise.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// One line per message, prefixed with its field's path (`recurrence.count: Too small.`), for
/// people at a terminal rather than clients.
impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn lines(
            errors: &FieldErrors,
            prefix: &str,
            f: &mut std::fmt::Formatter<'_>,
            first: &mut bool,
        ) -> std::fmt::Result {
            for (field, entry) in &errors.0 {
                let path = if prefix.is_empty() {
                    field.clone()
                } else {
                    format!("{prefix}.{field}")
                };
                match entry {
                    Entry::Messages(messages) => {
                        for message in messages {
                            if !std::mem::take(first) {
                                f.write_str("\n")?;
                            }
                            write!(f, "{path}: {message}")?;
                        }
                    }
                    Entry::Nested(nested) => lines(nested, &path, f, first)?,
                }
            }
            Ok(())
        }
        lines(self, "", f, &mut true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_one_sentence_per_line_with_their_field() {
        let mut errors = FieldErrors::single("password", "This password is too common.");
        errors.add("password", "This password is entirely numeric.");
        errors.add_nested("recurrence", FieldErrors::single("count", "Too small."));
        assert_eq!(
            errors.to_string(),
            "password: This password is too common.\npassword: This password is entirely numeric.\nrecurrence.count: Too small."
        );
    }

    #[test]
    fn errors_serialize_in_drf_shape_with_nesting() {
        let mut errors = FieldErrors::single("title", "This field is required.");
        errors.add_nested("recurrence", FieldErrors::single("count", "Too small."));
        errors.add_nested("recurrence", FieldErrors::single("frequency", "Bad."));
        assert_eq!(
            serde_json::to_value(&errors).expect("serializes"),
            serde_json::json!({
                "title": ["This field is required."],
                "recurrence": {"count": ["Too small."], "frequency": ["Bad."]},
            })
        );
    }

    #[test]
    fn unnesting_lifts_nested_errors_to_the_top() {
        let mut errors = FieldErrors::new();
        errors.add_nested("recurrence", FieldErrors::single("count", "Too small."));
        assert_eq!(
            errors.unnest("recurrence"),
            FieldErrors::single("count", "Too small.")
        );
    }
}
