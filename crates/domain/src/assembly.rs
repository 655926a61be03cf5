//! Assemblies of the Mechanism and the roster over time.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{AssemblyCode, FieldErrors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assembly {
    pub code: AssemblyCode,
    pub name: String,
    pub joined_on: NaiveDate,
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

impl Assembly {
    /// Whether the assembly was on the roster on `day`: joined on or before it and not yet left.
    /// A cycle's members are the assemblies on the roster on the day it opens.
    pub fn is_member_on(&self, day: NaiveDate) -> bool {
        self.joined_on <= day && self.left_on.is_none_or(|left| left > day)
    }

    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(e) = crate::text::single_line(&self.name, 200) {
            errors.add("name", e.to_string());
        }
        if let Some(left) = self.left_on
            && left < self.joined_on
        {
            errors.add("left_on", "must not be before joined_on");
        }
        errors.finish(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn membership_follows_joining_and_leaving() {
        let a = Assembly {
            code: AssemblyCode::parse("PAM").unwrap(),
            name: "Parliamentary Assembly of the Mediterranean".into(),
            joined_on: day("2021-12-01"),
            left_on: Some(day("2025-06-30")),
        };
        assert!(!a.is_member_on(day("2021-11-30")));
        assert!(a.is_member_on(day("2021-12-01")));
        assert!(a.is_member_on(day("2025-06-29")));
        assert!(!a.is_member_on(day("2025-06-30")));
    }
}
