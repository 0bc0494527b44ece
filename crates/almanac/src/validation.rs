//! Field-level validation errors, collected across a whole request so that a client learns every
//! problem at once. They serialize to DRF's shape: `{"field": ["message", …]}`.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// The key DRF uses for errors that belong to no single field.
pub const NON_FIELD_ERRORS: &str = "non_field_errors";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(example = json!({"email": ["Enter a valid email address."], "password": ["This password is too common."]}))]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

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
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was reported, the errors otherwise.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}
