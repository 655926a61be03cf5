//! Stable codes. Every code is a newtype whose only way in is `parse`, so a value of one of these
//! types is known to be well formed wherever it travels (database rows, URLs, exports).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError {
    what: &'static str,
    value: String,
    rule: &'static str,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.value.chars().take(40).collect();
        write!(f, "{:?} is not a valid {}: {}", shown, self.what, self.rule)
    }
}

impl std::error::Error for CodeError {}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $rule:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<Self, CodeError> {
                let check: fn(&str) -> bool = $check;
                if check(value) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(CodeError { what: $what, value: value.to_owned(), rule: $rule })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=48).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !value.ends_with('-')
        && !value.contains("--")
}

code_type!(
    /// An assembly's code, e.g. `PAM`, `OSCE-PA`.
    AssemblyCode,
    "assembly code",
    "use 2 to 16 capital letters, digits or hyphens, starting with a letter (e.g. PAM, OSCE-PA)",
    |v| {
        let b = v.as_bytes();
        (2..=16).contains(&b.len())
            && b[0].is_ascii_uppercase()
            && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-')
            && !v.ends_with('-')
    }
);

code_type!(
    /// A cycle's label, e.g. `2025` or `2023-24`. It appears in URLs, so it is kept URL-safe.
    CycleLabel,
    "cycle label",
    "use 1 to 16 letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. 2025, 2023-24)",
    |v| {
        let b = v.as_bytes();
        (1..=16).contains(&b.len())
            && b[0].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    }
);

code_type!(
    /// A thematic priority's code, stable across cycles (e.g. `youth-pve`).
    ThemeCode,
    "theme code",
    "use lowercase letters, digits and single hyphens, starting with a letter, at most 48 characters (e.g. youth-pve)",
    is_slug
);

code_type!(
    /// A region's code, stable across cycles (e.g. `sahel`).
    RegionCode,
    "region code",
    "use lowercase letters, digits and single hyphens, starting with a letter, at most 48 characters (e.g. sahel)",
    is_slug
);

code_type!(
    /// An activity kind's code (e.g. `conference`).
    KindCode,
    "activity kind",
    "use lowercase letters, digits and single hyphens, starting with a letter, at most 48 characters (e.g. conference)",
    is_slug
);

code_type!(
    /// An ISO 3166-1 alpha-3 country code that is officially assigned (e.g. `MLI`).
    Iso3,
    "country code",
    "use an officially assigned ISO 3166-1 alpha-3 code in capitals (e.g. MLI for Mali)",
    |v| v.len() == 3 && v.bytes().all(|b| b.is_ascii_uppercase()) && crate::countries::find(v).is_some()
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_accept_the_documented_forms() {
        assert!(AssemblyCode::parse("PAM").is_ok());
        assert!(AssemblyCode::parse("OSCE-PA").is_ok());
        assert!(AssemblyCode::parse("pam").is_err());
        assert!(AssemblyCode::parse("P").is_err());
        assert!(CycleLabel::parse("2023-24").is_ok());
        assert!(CycleLabel::parse("../x").is_err());
        assert!(ThemeCode::parse("youth-pve").is_ok());
        assert!(ThemeCode::parse("Youth").is_err());
        assert!(ThemeCode::parse("a--b").is_err());
        assert!(ThemeCode::parse("").is_err());
        assert!(Iso3::parse("MLI").is_ok());
        assert!(Iso3::parse("XYZ").is_err());
        assert!(Iso3::parse("mli").is_err());
    }

    #[test]
    fn errors_name_the_rule() {
        let message = ThemeCode::parse("Bad Code").unwrap_err().to_string();
        assert!(message.contains("theme code"), "{message}");
        assert!(message.contains("lowercase"), "{message}");
    }
}
