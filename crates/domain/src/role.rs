//! Who may do what: the three roles of the contract.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Runs the Mechanism's survey: cycles, roster, invitations, everything.
    Secretariat,
    /// Reads results; changes nothing.
    Analyst,
    /// Answers for one assembly.
    FocalPoint,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Secretariat => "secretariat",
            Role::Analyst => "analyst",
            Role::FocalPoint => "focal-point",
        }
    }

    pub fn parse(value: &str) -> Result<Role, String> {
        match value {
            "secretariat" => Ok(Role::Secretariat),
            "analyst" => Ok(Role::Analyst),
            "focal-point" => Ok(Role::FocalPoint),
            other => Err(format!("unknown role {other:?}: use secretariat, analyst or focal-point")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}
