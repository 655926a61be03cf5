//! Reading responses whole on PostgreSQL in one statement: the response's row with its themes,
//! regions and activities (each with its themes and regions) gathered by the server as JSON.
//!
//! On SQLite the same read is six statements, each a call into the library in this process.
//! On PostgreSQL each statement is a round trip to another process, and reading the stored
//! response was six of the dozen round trips of a submission. The lists come back in the order
//! [`super::find`] gives them on either backend: themes by rank, activities by position, and
//! codes by their bytes (`COLLATE "C"`, as Rust sorts them).

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamp};
use serde::Deserialize;

use super::{ActivityRow, Parts, Row};
use crate::StoreError;
use crate::auth::TokenRow;
use crate::error::corrupt;

/// What each statement here needs to run, and untyped rows read by name. A statement whose text
/// never changes names a marker type as its static query id (`one text: Marker`): diesel then
/// finds its prepared statement by that type, instead of writing out its SQL text (kilobytes)
/// and hashing it on every run to look it up. One whose text depends on its shape has no static
/// id: diesel prepares it once per connection and text, and finds it by its text.
macro_rules! raw_statement {
    ($name:ident) => {
        raw_statement!(@impl $name, (), false);
    };
    ($name:ident, one text: $id:ident) => {
        /// The static query id of the statement of one text that this is named after.
        struct $id;
        raw_statement!(@impl $name, $id, true);
    };
    (@impl $name:ident, $id:ty, $static:literal) => {
        impl QueryId for $name<'_> {
            type QueryId = $id;
            const HAS_STATIC_QUERY_ID: bool = $static;
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

/// The response's own columns, in [`Row`]'s order: [`CycleStatement`] gives them as a JSON array,
/// which serde reads as that struct.
const ROW: &str = "r.id, r.cycle_label, r.assembly_code, r.status, r.version, r.comment, r.receipt, \
 r.created_at, r.updated_at, r.submitted_at";
/// The response's lists, each as a JSON array.
const THEMES: &str = "COALESCE((SELECT json_agg(t.theme_code ORDER BY t.rank) FROM response_themes t WHERE t.response_id = r.id), '[]')";
const REGIONS: &str = r#"COALESCE((SELECT json_agg(g.region_code ORDER BY g.region_code COLLATE "C") FROM response_regions g WHERE g.response_id = r.id), '[]')"#;
/// Each activity is an array of three: its row, its themes and its regions (see [`ActivityDoc`]).
/// The row is an array of its columns in [`ActivityRow`]'s order, which serde reads as that struct.
const ACTIVITIES: &str = r#"COALESCE((SELECT json_agg(json_build_array(json_build_array(
   a.id, a.title, a.kind_code, a.starts_on, a.ends_on, a.city, a.country, a.online, a.partners, a.status),
   COALESCE((SELECT json_agg(x.theme_code ORDER BY x.theme_code COLLATE "C") FROM activity_themes x WHERE x.activity_id = a.id), '[]'),
   COALESCE((SELECT json_agg(y.region_code ORDER BY y.region_code COLLATE "C") FROM activity_regions y WHERE y.activity_id = a.id), '[]')
  ) ORDER BY a.position) FROM activities a WHERE a.response_id = r.id), '[]')"#;

/// The statement. Its text depends only on [`Which`]'s variant, so diesel prepares each once per
/// connection and keeps it (its statement cache is keyed by the text when, as here, the query
/// has no static id).
struct Statement<'a>(Which<'a>);

raw_statement!(Statement);

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT ");
        out.push_sql(ROW);
        for (list, name) in [(THEMES, "themes"), (REGIONS, "regions"), (ACTIVITIES, "activities")] {
            out.push_sql(", ");
            out.push_sql(list);
            out.push_sql("::text AS ");
            out.push_sql(name);
        }
        out.push_sql(" FROM responses r WHERE r.cycle_label = ");
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

#[derive(QueryableByName)]
struct DocRow {
    #[diesel(embed)]
    response: Row,
    #[diesel(sql_type = Text)]
    themes: String,
    #[diesel(sql_type = Text)]
    regions: String,
    #[diesel(sql_type = Text)]
    activities: String,
}

/// An activity as the statements give it: its row, its themes and its regions. Arrays rather
/// than one object with the row's members flattened into it: `#[serde(flatten)]` buffers every
/// member before reading the row from the buffer, and an object's member names cost PostgreSQL
/// and serde more than positions do.
type ActivityDoc = (ActivityRow, Vec<String>, Vec<String>);

/// The responses `which` names, each as its row and its lists.
pub(super) fn read(conn: &mut PgConnection, which: Which<'_>) -> Result<Vec<(Row, Parts)>, StoreError> {
    let docs: Vec<DocRow> = Statement(which).load(conn)?;
    docs.into_iter()
        .map(|doc| {
            let list = |json: &str, what: &str| serde_json::from_str::<Vec<String>>(json).map_err(|e| corrupt(what, e));
            let activities = serde_json::from_str(&doc.activities).map_err(|e| corrupt("activities", e))?;
            Ok((doc.response, parts(list(&doc.themes, "response_themes")?, list(&doc.regions, "response_regions")?, activities)))
        })
        .collect()
}

fn parts(themes: Vec<String>, regions: Vec<String>, activities: Vec<ActivityDoc>) -> Parts {
    let mut parts = Parts {
        themes,
        regions,
        activities: Vec::with_capacity(activities.len()),
        activity_themes: BTreeMap::new(),
        activity_regions: BTreeMap::new(),
    };
    for (row, themes, regions) in activities {
        parts.activity_themes.insert(row.id.clone(), themes);
        parts.activity_regions.insert(row.id.clone(), regions);
        parts.activities.push(row);
    }
    parts
}

/// What the survey's write reads first, for a batch of writes in one statement: for each
/// `(cycle, assembly)` pair, the cycle's row (absent when there is no such cycle), the assembly's
/// row (absent when it is not on the roster) and its response to the cycle (absent before its
/// first save), each as JSON, in the pairs' order; and, where the pair comes with a token's
/// hash, that token's row, as [`TokensStatement`] reads it (absent when no token has the hash).
/// Each row is a JSON array of its columns in the order of the struct it is read as (which
/// serde reads from an array as from an object): positions cost PostgreSQL, and the decoding,
/// less than member names.
///
/// Each pair may name the response row whose lists the caller already holds (its id, version
/// and `updated_at`, see [`super::ListsCache`]). When the stored row is still that one, its
/// lists are not gathered (`lists` is null): they are most of the statement's work, and of
/// decoding its answer.
struct CycleStatement<'a> {
    cycles: &'a [&'a str],
    assemblies: &'a [&'a str],
    known: &'a Known<'a>,
    token_hashes: &'a [Option<&'a str>],
}

/// The response rows whose lists a caller holds, one element per pair (null: none).
#[derive(Default)]
pub(super) struct Known<'a> {
    pub ids: Vec<Option<&'a str>>,
    pub versions: Vec<Option<i32>>,
    pub updated_at: Vec<Option<NaiveDateTime>>,
}

raw_statement!(CycleStatement, one text: CycleStatementText);

impl QueryFragment<Pg> for CycleStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH q AS (SELECT * FROM unnest(");
        out.push_bind_param::<Array<Text>, [&str]>(self.cycles)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Text>, [&str]>(self.assemblies)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<Text>>, [Option<&str>]>(&self.known.ids)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<Integer>>, [Option<i32>]>(&self.known.versions)?;
        out.push_sql("::int4[], ");
        out.push_bind_param::<Array<Nullable<Timestamp>>, [Option<NaiveDateTime>]>(&self.known.updated_at)?;
        out.push_sql("::timestamp[], ");
        out.push_bind_param::<Array<Nullable<Text>>, [Option<&str>]>(self.token_hashes)?;
        out.push_sql("::text[]) WITH ORDINALITY AS q(cycle, assembly, known_id, known_version, known_at, token_hash, n)) SELECT ");
        out.push_sql(TOKEN_ROW);
        out.push_sql(
            " AS token, (SELECT json_build_array(label, opens_on, closes_on, status, max_ranked_themes, tier_primary, \
             tier_secondary, created_at, updated_at)::text FROM cycles WHERE label = q.cycle) AS cycle, \
             (SELECT json_build_array(code, name, joined_on, left_on)::text FROM assemblies WHERE code = q.assembly) AS assembly, \
             (SELECT json_build_array(json_build_array(",
        );
        out.push_sql(ROW);
        // Unknown (null) ids, versions and instants compare as null: the lists are gathered.
        out.push_sql(
            "), CASE WHEN r.id = q.known_id AND r.version = q.known_version AND r.updated_at = q.known_at THEN NULL \
             ELSE json_build_object('themes', ",
        );
        out.push_sql(THEMES);
        out.push_sql(", 'regions', ");
        out.push_sql(REGIONS);
        out.push_sql(", 'activities', ");
        out.push_sql(ACTIVITIES);
        out.push_sql(
            ") END)::text FROM responses r WHERE r.cycle_label = q.cycle AND r.assembly_code = q.assembly) AS response FROM q ORDER BY q.n",
        );
        Ok(())
    }
}

#[derive(QueryableByName)]
struct CycleDoc {
    #[diesel(sql_type = Nullable<Text>)]
    token: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    cycle: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    assembly: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    response: Option<String>,
}

/// A response as [`CycleStatement`] gives it: its row, and its lists unless the caller holds them
/// (an array of two, for the reason [`ActivityDoc`] gives).
type ResponseDoc = (Row, Option<ListsDoc>);

#[derive(Deserialize)]
struct ListsDoc {
    themes: Vec<String>,
    regions: Vec<String>,
    activities: Vec<ActivityDoc>,
}

/// A cycle's row with an assembly's and its response (see [`CycleStatement`]), `None` when
/// there is no such cycle. The response's lists are `None` when they are the ones the caller
/// named as known.
pub(super) type WithCycle = (crate::cycles::CycleRow, Option<crate::assemblies::Row>, Option<(Row, Option<Parts>)>);

/// A token's row (if its hash came with the pair and a token has it) and what the pair found.
pub(super) type TokenAndCycle = (Option<TokenRow>, Option<WithCycle>);

/// [`CycleStatement`]'s answer for each pair, in order: the row of the token whose hash came
/// with it (if any), and what it found. A row that cannot be read is that pair's error only.
pub(super) fn read_with_cycle(
    conn: &mut PgConnection,
    cycles: &[&str],
    assemblies: &[&str],
    known: &Known<'_>,
    token_hashes: &[Option<&str>],
) -> Result<Vec<Result<TokenAndCycle, StoreError>>, StoreError> {
    let docs: Vec<CycleDoc> = CycleStatement { cycles, assemblies, known, token_hashes }.load(conn)?;
    Ok(docs
        .into_iter()
        .map(|doc| {
            let token = doc.token.as_deref().map(token_row).transpose()?;
            let Some(cycle) = doc.cycle else { return Ok((token, None)) };
            let cycle = serde_json::from_str(&cycle).map_err(|e| corrupt("cycles", e))?;
            let member = doc.assembly.map(|json| serde_json::from_str(&json).map_err(|e| corrupt("assemblies", e))).transpose()?;
            let response = doc
                .response
                .map(|json| {
                    let (row, lists): ResponseDoc = serde_json::from_str(&json).map_err(|e| corrupt("responses", e))?;
                    Ok::<_, StoreError>((row, lists.map(|l| parts(l.themes, l.regions, l.activities))))
                })
                .transpose()?;
            Ok((token, Some((cycle, member, response))))
        })
        .collect())
}

/// A token's row, as [`TOKEN_ROW`] gives it.
fn token_row(json: &str) -> Result<TokenRow, StoreError> {
    serde_json::from_str(json).map_err(|e| corrupt("api_tokens", e))
}

/// The row of the token whose hash is `q.token_hash`, as a JSON array of its columns in
/// [`TokenRow`]'s order (null when there is none).
const TOKEN_ROW: &str = "(SELECT json_build_array(id, token_hash, kind, role, assembly_code, cycle_label, user_id, \
 expires_at, revoked_at)::text FROM api_tokens WHERE token_hash = q.token_hash)";

/// Token rows by hash, each with the results fingerprint of a cycle where one is named: how a
/// batch of requests is authenticated, cached reads of results included. Each request is a row
/// of the arrays (its position orders the answer). Each distinct cycle's row is joined and its
/// submitted responses summed up once, and the roster once for all (only when a cycle is named);
/// the token row comes as JSON (absent when no token has the hash).
struct TokensStatement<'a> {
    token_hashes: &'a [&'a str],
    cycles: &'a [Option<&'a str>],
    submitted: &'a str,
}

raw_statement!(TokensStatement, one text: TokensStatementText);

impl QueryFragment<Pg> for TokensStatement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH q AS (SELECT * FROM unnest(");
        out.push_bind_param::<Array<Text>, [&str]>(self.token_hashes)?;
        out.push_sql("::text[], ");
        out.push_bind_param::<Array<Nullable<Text>>, [Option<&str>]>(self.cycles)?;
        out.push_sql(
            "::text[]) WITH ORDINALITY AS q(token_hash, cycle, n)), \
             f AS (SELECT c.label, c.updated_at AS cycle_changed, s.submitted, s.versions, s.latest \
             FROM cycles c CROSS JOIN LATERAL (SELECT count(*) AS submitted, sum(version) AS versions, max(updated_at) AS latest \
             FROM responses WHERE cycle_label = c.label AND status = ",
        );
        out.push_bind_param::<Text, str>(self.submitted)?;
        out.push_sql(
            ") s WHERE c.label IN (SELECT cycle FROM q)), \
             m AS (SELECT count(*) AS members, max(updated_at) AS roster_changed FROM assemblies \
             WHERE EXISTS (SELECT 1 FROM q WHERE q.cycle IS NOT NULL)) \
             SELECT ",
        );
        out.push_sql(TOKEN_ROW);
        out.push_sql(
            " AS token, f.cycle_changed, COALESCE(f.submitted, 0) AS submitted, f.versions, f.latest, m.members, m.roster_changed \
             FROM q LEFT JOIN f ON f.label = q.cycle CROSS JOIN m ORDER BY q.n",
        );
        Ok(())
    }
}

#[derive(QueryableByName)]
struct TokenDoc {
    #[diesel(sql_type = Nullable<Text>)]
    token: Option<String>,
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

/// A token's row (if any) and a cycle's results fingerprint (if asked for, and the cycle exists).
pub(crate) type TokenAndFingerprint = (Option<TokenRow>, Option<String>);

/// For each `(token hash, cycle)` pair, in order: the token's row (if any) and the cycle's
/// results fingerprint (if a cycle is named and there is such a cycle). A token row that cannot
/// be read is that request's error only.
pub(super) fn tokens_with_fingerprints(
    conn: &mut PgConnection,
    token_hashes: &[&str],
    cycles: &[Option<&str>],
    submitted: &str,
) -> Result<Vec<Result<TokenAndFingerprint, StoreError>>, StoreError> {
    let docs: Vec<TokenDoc> = TokensStatement { token_hashes, cycles, submitted }.load(conn)?;
    Ok(docs
        .into_iter()
        .map(|d| {
            let token = d.token.as_deref().map(token_row).transpose()?;
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
            Ok((token, fingerprint))
        })
        .collect())
}
