//! barometer's domain: the vocabulary of the Coordination Mechanism's annual survey.
//!
//! What it is for: the types every other crate speaks (stable codes, cycles and their
//! questionnaires, responses, roles) and the one place where every validation rule lives, so
//! that the HTML forms, the JSON API, the importer and the demo loader all enforce the same rules.
//!
//! What it is not for: I/O of any kind. No database, no HTTP, no files at run time (reference
//! tables are compiled in).

pub mod assembly;
pub mod calendar;
pub mod codes;
pub mod countries;
pub mod cycle;
pub mod cycle_data;
pub mod demo;
pub mod errors;
pub mod lang;
pub mod membership;
pub mod questionnaire;
pub mod response;
pub mod results;
pub mod role;
pub mod text;

pub use assembly::Assembly;
pub use codes::{AssemblyCode, CycleLabel, Iso3, KindCode, RegionCode, ThemeCode};
pub use cycle::{CycleDefinition, CycleStatus, Tiers};
pub use errors::FieldErrors;
pub use lang::{Labels, Lang};
pub use questionnaire::{KindDef, Questionnaire, RegionDef, ThemeDef};
pub use response::{Activity, ActivityStatus, Location, ResponseContent, ResponseInput, ResponseStatus};
pub use role::Role;
