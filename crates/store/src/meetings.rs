//! Meetings of the Mechanism and the terms of its Presidency.

use barometer_domain::AssemblyCode;
use barometer_domain::membership::{Meeting, Presidency};
use chrono::NaiveDate;
use diesel::prelude::*;

use crate::audit::{self, Entry};
use crate::error::corrupt;
use crate::schema::{meetings, presidencies};
use crate::{DbConn, StoreError};

type Row = (i32, NaiveDate, String, bool, bool);

fn from_row((number, date, venue, online, regular): Row) -> Result<Meeting, StoreError> {
    Ok(Meeting { number: u32::try_from(number).map_err(|e| corrupt("meetings.number", e))?, date, venue, online, regular })
}

/// Every meeting, by date.
pub fn list(conn: &mut DbConn) -> Result<Vec<Meeting>, StoreError> {
    let rows: Vec<Row> = meetings::table
        .select((meetings::number, meetings::date, meetings::venue, meetings::online, meetings::regular))
        .order((meetings::date.asc(), meetings::number.asc()))
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

pub fn find(conn: &mut DbConn, number: u32) -> Result<Option<Meeting>, StoreError> {
    let row: Option<Row> = meetings::table
        .find(i32::try_from(number).unwrap_or(i32::MAX))
        .select((meetings::number, meetings::date, meetings::venue, meetings::online, meetings::regular))
        .get_result(conn)
        .optional()?;
    row.map(from_row).transpose()
}

/// The next regular meeting: the first regular meeting dated on or after `day`.
pub fn next_regular(conn: &mut DbConn, day: NaiveDate) -> Result<Option<Meeting>, StoreError> {
    Ok(list(conn)?.into_iter().find(|m| m.regular && m.date >= day))
}

/// Records a meeting; a number already used is a conflict.
pub fn insert(conn: &mut DbConn, meeting: &Meeting, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        if find(conn, meeting.number)?.is_some() {
            return Err(StoreError::Conflict(format!("meeting number {} is already recorded; choose another number", meeting.number)));
        }
        diesel::insert_into(meetings::table)
            .values((
                meetings::number.eq(i32::try_from(meeting.number).map_err(|e| corrupt("meeting number", e))?),
                meetings::date.eq(meeting.date),
                meetings::venue.eq(&meeting.venue),
                meetings::online.eq(meeting.online),
                meetings::regular.eq(meeting.regular),
                meetings::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "meeting.create",
                entity: "meeting",
                entity_id: &meeting.number.to_string(),
                before: None,
                after: Some(serde_json::to_value(meeting).expect("meetings serialize")),
            },
        )
    })
}

/// Every term of the Presidency, oldest first.
pub fn presidencies(conn: &mut DbConn) -> Result<Vec<Presidency>, StoreError> {
    let rows: Vec<(String, NaiveDate, Option<NaiveDate>)> = presidencies::table
        .select((presidencies::assembly_code, presidencies::starts_on, presidencies::ends_on))
        .order(presidencies::starts_on.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|(code, starts_on, ends_on)| {
            Ok(Presidency {
                assembly: AssemblyCode::parse(&code).map_err(|e| corrupt("presidencies.assembly_code", e))?,
                starts_on,
                ends_on,
            })
        })
        .collect()
}

/// The Presidency on `day`.
pub fn presidency_on(conn: &mut DbConn, day: NaiveDate) -> Result<Option<Presidency>, StoreError> {
    Ok(barometer_domain::membership::presidency_on(&presidencies(conn)?, day).cloned())
}

/// Records a term of the Presidency. An open-ended earlier term ends the day before this one
/// starts, so that one assembly holds the Presidency on any day.
pub fn record_presidency(conn: &mut DbConn, term: &Presidency, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        if crate::assemblies::find(conn, &term.assembly)?.is_none() {
            return Err(StoreError::Invalid(barometer_domain::FieldErrors::single(
                "assembly",
                format!("{} is not on the roster; add it first", term.assembly),
            )));
        }
        let open: Vec<(String, NaiveDate)> = presidencies::table
            .filter(presidencies::ends_on.is_null())
            .filter(presidencies::starts_on.lt(term.starts_on))
            .select((presidencies::assembly_code, presidencies::starts_on))
            .load(conn)?;
        let day_before = term.starts_on.pred_opt().unwrap_or(term.starts_on);
        for (code, starts_on) in open {
            diesel::update(presidencies::table.find((&code, starts_on))).set(presidencies::ends_on.eq(Some(day_before))).execute(conn)?;
            audit::append(
                conn,
                Entry {
                    actor,
                    action: "presidency.end",
                    entity: "presidency",
                    entity_id: &format!("{code}/{starts_on}"),
                    before: None,
                    after: Some(serde_json::json!({"ends_on": day_before})),
                },
            )?;
        }
        diesel::insert_into(presidencies::table)
            .values((
                presidencies::assembly_code.eq(term.assembly.as_str()),
                presidencies::starts_on.eq(term.starts_on),
                presidencies::ends_on.eq(term.ends_on),
                presidencies::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "presidency.create",
                entity: "presidency",
                entity_id: &format!("{}/{}", term.assembly, term.starts_on),
                before: None,
                after: Some(serde_json::to_value(term).expect("terms serialize")),
            },
        )
    })
}
