//! The roster of assemblies.

use barometer_domain::{Assembly, AssemblyCode};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::audit::{self, Entry};
use crate::schema::assemblies;
use crate::{DbConn, StoreError};

#[derive(Queryable, serde::Deserialize)]
pub(crate) struct Row {
    code: String,
    name: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
}

impl Row {
    pub(crate) fn into_domain(self) -> Result<Assembly, StoreError> {
        let code = AssemblyCode::parse(&self.code).map_err(|e| crate::error::corrupt("assemblies.code", e))?;
        Ok(Assembly { code, name: self.name, joined_on: self.joined_on, left_on: self.left_on })
    }
}

pub(crate) type Columns = (assemblies::code, assemblies::name, assemblies::joined_on, assemblies::left_on);
pub(crate) const COLUMNS: Columns = (assemblies::code, assemblies::name, assemblies::joined_on, assemblies::left_on);

/// The whole roster, past and present, by code.
pub fn list(conn: &mut DbConn) -> Result<Vec<Assembly>, StoreError> {
    let rows: Vec<Row> = assemblies::table.select(COLUMNS).order(assemblies::code.asc()).load(conn)?;
    rows.into_iter().map(Row::into_domain).collect()
}

pub fn find(conn: &mut DbConn, code: &AssemblyCode) -> Result<Option<Assembly>, StoreError> {
    let row: Option<Row> = assemblies::table.find(code.as_str()).select(COLUMNS).get_result(conn).optional()?;
    row.map(Row::into_domain).transpose()
}

/// The assemblies on the roster on `day`: a cycle's members are those on the day it opens.
pub fn members_on(conn: &mut DbConn, day: NaiveDate) -> Result<Vec<Assembly>, StoreError> {
    Ok(list(conn)?.into_iter().filter(|a| a.is_member_on(day)).collect())
}

/// Adds an assembly to the roster; a duplicate code is a conflict.
pub fn insert(conn: &mut DbConn, assembly: &Assembly, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        if find(conn, &assembly.code)?.is_some() {
            return Err(StoreError::Conflict(format!("an assembly with code {} already exists", assembly.code)));
        }
        let now = crate::now();
        diesel::insert_into(assemblies::table)
            .values((
                assemblies::code.eq(assembly.code.as_str()),
                assemblies::name.eq(&assembly.name),
                assemblies::joined_on.eq(assembly.joined_on),
                assemblies::left_on.eq(assembly.left_on),
                assemblies::created_at.eq(now),
                assemblies::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "assembly.create",
                entity: "assembly",
                entity_id: assembly.code.as_str(),
                before: None,
                after: Some(serde_json::to_value(assembly).expect("assemblies serialize")),
            },
        )
    })
}

/// Sets (or clears) the address the Secretariat writes to for `code`.
pub fn set_contact_email(conn: &mut DbConn, code: &AssemblyCode, email: Option<&str>, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let before: Option<Option<String>> =
            assemblies::table.find(code.as_str()).select(assemblies::contact_email).get_result(conn).optional()?;
        let Some(before) = before else { return Err(StoreError::NotFound(format!("assembly {code}"))) };
        diesel::update(assemblies::table.find(code.as_str()))
            .set((assemblies::contact_email.eq(email), assemblies::updated_at.eq(crate::now())))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "assembly.contact",
                entity: "assembly",
                entity_id: code.as_str(),
                before: Some(serde_json::json!({"contact_email": before})),
                after: Some(serde_json::json!({"contact_email": email})),
            },
        )
    })
}

/// The contact address of every assembly that has one, by code.
pub fn contacts(conn: &mut DbConn) -> Result<std::collections::BTreeMap<String, String>, StoreError> {
    let rows: Vec<(String, Option<String>)> = assemblies::table
        .filter(assemblies::contact_email.is_not_null())
        .select((assemblies::code, assemblies::contact_email))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(code, email)| Some((code, email?))).collect())
}

/// Where email for `code` goes: its contact address and its focal points' sign-in addresses
/// (enabled accounts only), without repeats.
pub fn email_recipients(conn: &mut DbConn, code: &AssemblyCode) -> Result<Vec<String>, StoreError> {
    use crate::schema::users;
    let contact: Option<Option<String>> =
        assemblies::table.find(code.as_str()).select(assemblies::contact_email).get_result(conn).optional()?;
    let mut out: Vec<String> = contact.flatten().into_iter().collect();
    let users: Vec<String> = users::table
        .filter(users::assembly_code.eq(code.as_str()))
        .filter(users::disabled_at.is_null())
        .select(users::email)
        .order(users::email.asc())
        .load(conn)?;
    for email in users {
        if !out.iter().any(|e| e.eq_ignore_ascii_case(&email)) {
            out.push(email);
        }
    }
    Ok(out)
}
