//! Password hashing (argon2id) and the password policy, modelled on Django's default validators so
//! that users meet the same rules and messages as with the seed application.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Params, PasswordHash, Version};

pub const MIN_LENGTH: usize = 8;
/// Django's `UserAttributeSimilarityValidator` default.
const MAX_SIMILARITY: f64 = 0.7;

/// Django's common-password list (django/contrib/auth/common-passwords.txt.gz, BSD-3-Clause),
/// keeping only entries long enough to pass the length rule.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

/// argon2id with 7 MiB of memory and 5 passes: one of the settings the OWASP Password Storage
/// Cheat Sheet lists as equally strong (its first, 19 MiB and 2 passes, is the crate's default).
/// The CPU time per hash is the same; the memory is what two hashes at once add to the server's
/// peak (docs/BENCHMARKS.md).
const PARAMS: Params = match Params::new(7 * 1024, 5, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("argon2 parameters out of range"),
};

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// Hashes with argon2id and a fresh random salt. CPU-heavy: call it off the async executor.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(argon2().hash_password(password.as_bytes())?.to_string())
}

/// What a stored hash says of a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Wrong,
    Right,
    /// Right, and the hash was made with other parameters than today's: hash it again.
    RightButOutdated,
}

/// Checks a password against a stored hash, made with whatever parameters it names. A malformed
/// hash never matches.
pub fn check_password(password: &str, hash: &str) -> PasswordCheck {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return PasswordCheck::Wrong;
    };
    if argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return PasswordCheck::Wrong;
    }
    let current = parsed.algorithm == ARGON2ID_IDENT
        && Params::try_from(&parsed).is_ok_and(|params| {
            (params.m_cost(), params.t_cost(), params.p_cost())
                == (PARAMS.m_cost(), PARAMS.t_cost(), PARAMS.p_cost())
        });
    if current {
        PasswordCheck::Right
    } else {
        PasswordCheck::RightButOutdated
    }
}

/// Every rule the password breaks, as messages for the `password` field.
pub fn password_problems(password: &str, email: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if too_similar_to_email(password, email) {
        problems.push("The password is too similar to the email address.".to_owned());
    }
    if password.chars().count() < MIN_LENGTH {
        problems.push(format!(
            "This password is too short. It must contain at least {MIN_LENGTH} characters."
        ));
    }
    if COMMON_PASSWORDS.contains(password.trim().to_lowercase().as_str()) {
        problems.push("This password is too common.".to_owned());
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push("This password is entirely numeric.".to_owned());
    }
    problems
}

/// Compares the password with the whole email and with each word of it, as Django does.
fn too_similar_to_email(password: &str, email: &str) -> bool {
    let password = password.to_lowercase();
    let email = email.to_lowercase();
    std::iter::once(email.as_str())
        .chain(email.split(|c: char| !c.is_alphanumeric()))
        .filter(|part| part.chars().count() >= 3)
        .any(|part| similarity(&password, part) >= MAX_SIMILARITY)
}

/// Ratcliff/Obershelp similarity (Python's `difflib.SequenceMatcher.ratio`, which Django uses):
/// twice the characters in matching blocks over the total length.
fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    2.0 * matching_characters(&a, &b) as f64 / (a.len() + b.len()) as f64
}

fn matching_characters(a: &[char], b: &[char]) -> usize {
    let (mut best_len, mut best_a, mut best_b) = (0, 0, 0);
    for i in 0..a.len() {
        for j in 0..b.len() {
            let len = a[i..]
                .iter()
                .zip(&b[j..])
                .take_while(|(x, y)| x == y)
                .count();
            if len > best_len {
                (best_len, best_a, best_b) = (len, i, j);
            }
        }
    }
    if best_len == 0 {
        return 0;
    }
    best_len
        + matching_characters(&a[..best_a], &b[..best_b])
        + matching_characters(&a[best_a + best_len..], &b[best_b + best_len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_uncommon_password_passes_the_policy() {
        assert!(password_problems("correct horse battery", "ada@example.com").is_empty());
    }

    #[test]
    fn a_short_password_is_refused_with_the_minimum_length() {
        let problems = password_problems("x7#kQ", "ada@example.com");
        assert_eq!(
            problems,
            ["This password is too short. It must contain at least 8 characters."]
        );
    }

    #[test]
    fn an_entirely_numeric_password_is_refused() {
        assert!(
            password_problems("83749261058", "ada@example.com")
                .contains(&"This password is entirely numeric.".to_owned())
        );
    }

    #[test]
    fn a_common_password_is_refused_whatever_its_case() {
        assert!(
            password_problems("PassWord123", "ada@example.com")
                .contains(&"This password is too common.".to_owned())
        );
    }

    #[test]
    fn a_password_close_to_the_email_is_refused() {
        let problems = password_problems("lovelace1", "ada.lovelace@example.com");
        assert!(problems.contains(&"The password is too similar to the email address.".to_owned()));
    }

    #[test]
    fn similarity_matches_difflib_ratio() {
        // difflib.SequenceMatcher(None, "abcd", "bcde").ratio() == 0.75
        assert!((similarity("abcd", "bcde") - 0.75).abs() < 1e-9);
        assert_eq!(similarity("abc", "xyz"), 0.0);
    }

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let hash = hash_password("correct horse battery").expect("hashing works");
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
        assert_eq!(
            check_password("correct horse battery", &hash),
            PasswordCheck::Right
        );
        assert_eq!(
            check_password("correct horse batteries", &hash),
            PasswordCheck::Wrong
        );
        assert_eq!(
            check_password("anything", "not a hash"),
            PasswordCheck::Wrong
        );
    }

    #[test]
    fn a_hash_made_with_other_parameters_still_verifies_and_asks_to_be_redone() {
        let older = Argon2::default()
            .hash_password(b"correct horse battery")
            .expect("hashing works")
            .to_string();
        assert!(
            older.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{older}"
        );
        assert_eq!(
            check_password("correct horse battery", &older),
            PasswordCheck::RightButOutdated
        );
        assert_eq!(
            check_password("correct horse batteries", &older),
            PasswordCheck::Wrong
        );
    }
}
