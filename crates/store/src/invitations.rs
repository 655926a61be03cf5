//! Invitations: a focal point's personal link for one cycle. Making a new link for the same
//! assembly and cycle replaces (revokes) the previous one.

use barometer_domain::{AssemblyCode, CycleLabel, Role};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::{self, NewToken, TokenKind};
use crate::schema::api_tokens;
use crate::{DbConn, StoreError};

/// Creates a new invitation (revoking earlier ones) and returns the token in clear.
pub fn create(
    conn: &mut DbConn,
    cycle: &CycleLabel,
    assembly: &AssemblyCode,
    expires_at: Option<NaiveDateTime>,
    actor: &str,
) -> Result<String, StoreError> {
    conn.transaction(|conn| {
        diesel::update(
            api_tokens::table
                .filter(api_tokens::kind.eq(TokenKind::Invitation.as_str()))
                .filter(api_tokens::cycle_label.eq(cycle.as_str()))
                .filter(api_tokens::assembly_code.eq(assembly.as_str()))
                .filter(api_tokens::revoked_at.is_null()),
        )
        .set(api_tokens::revoked_at.eq(crate::now()))
        .execute(conn)?;
        let (_, token) = auth::create_token(
            conn,
            NewToken {
                kind: TokenKind::Invitation,
                role: Role::FocalPoint,
                assembly: Some(assembly),
                cycle: Some(cycle),
                user_id: None,
                label: "invitation",
                expires_at,
            },
            actor,
        )?;
        Ok(token)
    })
}

/// When each assembly was last invited to the cycle.
pub fn latest(conn: &mut DbConn, cycle: &CycleLabel) -> Result<Vec<(AssemblyCode, NaiveDateTime)>, StoreError> {
    let rows: Vec<(Option<String>, NaiveDateTime)> = api_tokens::table
        .filter(api_tokens::kind.eq(TokenKind::Invitation.as_str()))
        .filter(api_tokens::cycle_label.eq(cycle.as_str()))
        .order(api_tokens::created_at.asc())
        .select((api_tokens::assembly_code, api_tokens::created_at))
        .load(conn)?;
    let mut latest: std::collections::BTreeMap<String, NaiveDateTime> = Default::default();
    for (assembly, at) in rows {
        if let Some(a) = assembly {
            latest.insert(a, at);
        }
    }
    latest
        .into_iter()
        .map(|(a, at)| Ok((AssemblyCode::parse(&a).map_err(|e| crate::error::corrupt("api_tokens.assembly_code", e))?, at)))
        .collect()
}
