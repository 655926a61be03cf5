//! Validation errors keyed by the path of the offending field (`themes[2]`, `activities[0].ends_on`).

use std::collections::BTreeMap;
use std::fmt;

/// Every problem found in one input, keyed by field path, so a form can show each message next
/// to its field and an API client can point at the exact JSON member.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// One error for one field; the first message recorded for a path wins, because it is
    /// usually the most basic problem (an unparseable date before a range check).
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(path, message);
        errors
    }

    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.entry(path.into()).or_insert_with(|| message.into());
    }

    /// Records the error of a parse under `path`, returning the parsed value when there was none.
    pub fn check<T, E: fmt::Display>(&mut self, path: impl Into<String>, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(path, error.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds every error of `other` with `prefix` in front of its path.
    pub fn merge_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for (path, message) in other.0 {
            let full = if prefix.is_empty() || path.is_empty() || path.starts_with('[') {
                format!("{prefix}{path}")
            } else {
                format!("{prefix}.{path}")
            };
            self.add(full, message);
        }
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (path, message)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{path}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
