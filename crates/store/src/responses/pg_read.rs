//! Reading responses whole on PostgreSQL in one statement: the response's row with its themes,
//! regions and activities (each with its themes and regions) gathered by the server as JSON.
//!
//! On SQLite the same read is six statements, each a call into the library in this process.
//! On PostgreSQL each statement is a round trip to another process, and reading the stored
//! response was six of the dozen round trips of a submission. The lists come back in the order
//! [`super::find`] gives them on either backend: themes by rank, activities by position, and
//! codes by their bytes (`COLLATE "C"`, as Rust sorts them).

use std::collections::BTreeMap;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use serde::Deserialize;

use super::{ActivityRow, Parts, Row};
use crate::StoreError;
use crate::auth::TokenRow;
use crate::error::corrupt;

/// What each statement here needs to run: no static query id (diesel then caches the prepared
/// statement by its SQL text, which depends only on the statement's shape), and untyped rows
/// read by name.
macro_rules! raw_statement {
    ($name:ident) => {
        impl QueryId for $name<'_> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl Query for $name<'_> {
            type SqlType = diesel::sql_types::Untyped;
        }

        impl RunQueryDsl<PgConnection> for $name<'_> {}
    };
}

/// Which responses to read.
#[derive(Clone, Copy)]
pub(super) enum Which<'a> {
    /// One assembly's response to a cycle.
    One { cycle: &'a str, assembly: &'a str },
    /// Every response of a cycle with this status, by assembly code.
    WithStatus { cycle: &'a str, status: &'a str },
}

const SELECT: &str = r#"SELECT r.id, r.cycle_label, r.assembly_code, r.status, r.version, r.comment, r.receipt,
 r.created_at, r.updated_at, r.submitted_at,
 COALESCE((SELECT json_agg(t.theme_code ORDER BY t.rank) FROM response_themes t WHERE t.response_id = r.id), '[]')::text AS themes,
 COALESCE((SELECT json_agg(g.region_code ORDER BY g.region_code COLLATE "C") FROM response_regions g WHERE g.response_id = r.id), '[]')::text AS regions,
 COALESCE((SELECT json_agg(json_build_object(
   'id', a.id, 'title', a.title, 'kind_code', a.kind_code, 'starts_on', a.starts_on, 'ends_on', a.ends_on,
   'city', a.city, 'country', a.country, 'online', a.online, 'partners', a.partners, 'status', a.status,
   'themes', COALESCE((SELECT json_agg(x.theme_code ORDER BY x.theme_code COLLATE "C") FROM activity_themes x WHERE x.activity_id = a.id), '[]'),
   'regions', COALESCE((SELECT json_agg(y.region_code ORDER BY y.region_code COLLATE "C") FROM activity_regions y WHERE y.activity_id = a.id), '[]')
  ) ORDER BY a.position) FROM activities a WHERE a.response_id = r.id), '[]')::text AS activities
 FROM responses r WHERE r.cycle_label = "#;

/// The statement. Its text depends only on [`Which`]'s variant, so diesel prepares each once per
/// connection and keeps it (its statement cache is keyed by the text when, as here, the query
/// has no static id).
struct Statement<'a>(Which<'a>);

raw_statement!(Statement);

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(SELECT);
        match &self.0 {
            Which::One { cycle, assembly } => {
                out.push_bind_param::<Text, str>(cycle)?;
                out.push_sql(" AND r.assembly_code = ");
                out.push_bind_param::<Text, str>(assembly)?;
            }
            Which::WithStatus { cycle, status } => {
                out.push_bind_param::<Text, str>(cycle)?;
                out.push_sql(" AND r.status = ");
                out.push_bind_param::<Text, str>(status)?;
                out.push_sql(" ORDER BY r.assembly_code");
            }
        }
        Ok(())
    }
}

#[derive(QueryableByName, Deserialize)]
struct DocRow {
    #[diesel(embed)]
    #[serde(flatten)]
    response: Row,
    #[diesel(sql_type = Text)]
    themes: String,
    #[diesel(sql_type = Text)]
    regions: String,
    #[diesel(sql_type = Text)]
    activities: String,
}

/// An activity as the statement gives it: its row, with its codes.
#[derive(Deserialize)]
struct ActivityDoc {
    #[serde(flatten)]
    row: ActivityRow,
    themes: Vec<String>,
    regions: Vec<String>,
}

/// The responses `which` names, each as its row and its lists.
pub(super) fn read(conn: &mut PgConnection, which: Which<'_>) -> Result<Vec<(Row, Parts)>, StoreError> {
    let docs: Vec<DocRow> = Statement(which).load(conn)?;
    docs.into_iter().map(split).collect()
}

fn split(doc: DocRow) -> Result<(Row, Parts), StoreError> {
    let list = |json: &str, what: &str| serde_json::from_str::<Vec<String>>(json).map_err(|e| corrupt(what, e));
    let activities: Vec<ActivityDoc> = serde_json::from_str(&doc.activities).map_err(|e| corrupt("activities", e))?;
    let mut parts = Parts {
        themes: list(&doc.themes, "response_themes")?,
        regions: list(&doc.regions, "response_regions")?,
        activities: Vec::with_capacity(activities.len()),
        activity_themes: BTreeMap::new(),
        activity_regions: BTreeMap::new(),
    };
    for a in activities {
        parts.activity_themes.insert(a.row.id.clone(), a.themes);
        parts.activity_regions.insert(a.row.id.clone(), a.regions);
        parts.activities.push(a.row);
    }
    Ok((doc.response, parts))
}

/// What the survey's write reads first, in one statement: the cycle's row, the assembly's row
/// (absent when it is not on the roster) and its response to the cycle (absent before its first
/// save), the two as JSON. No row at all when there is no such cycle.
struct CycleStatement<'a> {
    cycle: &'a str,
    assembly: &'a str,
}

raw_statement!(CycleStatement);

impl QueryFragment<Pg> for CycleStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT c.label, c.opens_on, c.closes_on, c.status, c.max_ranked_themes, c.tier_primary, c.tier_secondary, \
             c.created_at, c.updated_at, \
             (SELECT row_to_json(a)::text FROM (SELECT code, name, joined_on, left_on FROM assemblies WHERE code = ",
        );
        out.push_bind_param::<Text, str>(self.assembly)?;
        out.push_sql(") a) AS assembly, (SELECT row_to_json(d)::text FROM (");
        out.push_sql(SELECT);
        out.push_sql("c.label AND r.assembly_code = ");
        out.push_bind_param::<Text, str>(self.assembly)?;
        out.push_sql(") d) AS response FROM cycles c WHERE c.label = ");
        out.push_bind_param::<Text, str>(self.cycle)?;
        Ok(())
    }
}

#[derive(QueryableByName)]
struct CycleDoc {
    #[diesel(embed)]
    cycle: crate::cycles::CycleRow,
    #[diesel(sql_type = Nullable<Text>)]
    assembly: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    response: Option<String>,
}

/// A cycle's row with an assembly's and its response (see [`CycleStatement`]), `None` when
/// there is no such cycle.
pub(super) type WithCycle = (crate::cycles::CycleRow, Option<crate::assemblies::Row>, Option<(Row, Parts)>);

pub(super) fn read_with_cycle(conn: &mut PgConnection, cycle: &str, assembly: &str) -> Result<Option<WithCycle>, StoreError> {
    let doc: Option<CycleDoc> = CycleStatement { cycle, assembly }.get_result(conn).optional()?;
    let Some(doc) = doc else { return Ok(None) };
    let member = doc.assembly.map(|json| serde_json::from_str(&json).map_err(|e| corrupt("assemblies", e))).transpose()?;
    let response =
        doc.response.map(|json| serde_json::from_str::<DocRow>(&json).map_err(|e| corrupt("responses", e)).and_then(split)).transpose()?;
    Ok(Some((doc.cycle, member, response)))
}

/// The token row for a hash, with the results fingerprint of a cycle: the path of a cached read.
/// The cycle's row is joined (absent: no fingerprint), the submitted responses and the roster are
/// each summed up once.
struct TokenStatement<'a> {
    token_hash: &'a str,
    cycle: &'a str,
    submitted: &'a str,
}

raw_statement!(TokenStatement);

impl QueryFragment<Pg> for TokenStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT t.id, t.token_hash, t.kind, t.role, t.assembly_code, t.cycle_label, t.user_id, t.expires_at, t.revoked_at, \
             c.updated_at AS cycle_changed, s.submitted, s.versions, s.latest, m.members, m.roster_changed \
             FROM api_tokens t LEFT JOIN cycles c ON c.label = ",
        );
        out.push_bind_param::<Text, str>(self.cycle)?;
        out.push_sql(
            " CROSS JOIN (SELECT count(*) AS submitted, sum(version) AS versions, max(updated_at) AS latest \
             FROM responses WHERE cycle_label = ",
        );
        out.push_bind_param::<Text, str>(self.cycle)?;
        out.push_sql(" AND status = ");
        out.push_bind_param::<Text, str>(self.submitted)?;
        out.push_sql(
            ") s CROSS JOIN (SELECT count(*) AS members, max(updated_at) AS roster_changed FROM assemblies) m WHERE t.token_hash = ",
        );
        out.push_bind_param::<Text, str>(self.token_hash)?;
        Ok(())
    }
}

#[derive(QueryableByName)]
struct TokenDoc {
    #[diesel(embed)]
    token: TokenRow,
    #[diesel(sql_type = Nullable<Timestamp>)]
    cycle_changed: Option<chrono::NaiveDateTime>,
    #[diesel(sql_type = BigInt)]
    submitted: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    versions: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    latest: Option<chrono::NaiveDateTime>,
    #[diesel(sql_type = BigInt)]
    members: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    roster_changed: Option<chrono::NaiveDateTime>,
}

pub(super) fn token_with_fingerprint(
    conn: &mut PgConnection,
    token_hash: &str,
    cycle: &str,
    submitted: &str,
) -> Result<Option<(TokenRow, Option<String>)>, StoreError> {
    let doc: Option<TokenDoc> = TokenStatement { token_hash, cycle, submitted }.get_result(conn).optional()?;
    Ok(doc.map(|d| {
        let fingerprint = d.cycle_changed.map(|cycle_changed| {
            super::fingerprint_of(super::Summary {
                cycle_changed,
                submitted: d.submitted,
                versions: d.versions,
                latest: d.latest,
                members: d.members,
                roster_changed: d.roster_changed,
            })
        });
        (d.token, fingerprint)
    }))
}
