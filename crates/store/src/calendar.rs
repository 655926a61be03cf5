//! The calendar: entries read from the planned activities of submitted responses and from the
//! Secretariat's events; activity and event status changes; Secretariat events; private feed
//! tokens; and the Secretariat's marks on joint-initiative suggestions. Each write goes with its
//! audit entry in one transaction.

use std::collections::BTreeMap;

use barometer_domain::calendar::joint::Mark;
use barometer_domain::calendar::{CalendarEntry, Event, Source};
use barometer_domain::{ActivityStatus, AssemblyCode, CycleLabel, Iso3, Location, RegionCode, ResponseStatus, Role, ThemeCode};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use crate::audit::{self, Entry};
use crate::auth::{self, NewToken, Principal, TokenKind};
use crate::error::corrupt;
use crate::schema::{activities, activity_regions, activity_themes, api_tokens, calendar_events, joint_initiative_marks, responses};
use crate::{DbConn, StoreError};

type ActivityRow =
    (String, String, String, String, String, NaiveDate, NaiveDate, Option<String>, Option<String>, bool, String, String, NaiveDateTime);

type EventRow = (
    String,
    String,
    String,
    NaiveDate,
    NaiveDate,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    String,
    String,
    String,
    String,
    NaiveDateTime,
);

fn location(city: Option<String>, country: Option<String>) -> Result<Option<Location>, StoreError> {
    country.map(|c| Ok(Location { city, country: Iso3::parse(&c).map_err(|e| corrupt("country", e))? })).transpose()
}

fn codes<T>(
    values: impl IntoIterator<Item = String>,
    parse: impl Fn(&str) -> Result<T, barometer_domain::codes::CodeError>,
) -> Result<Vec<T>, StoreError> {
    values.into_iter().map(|v| parse(&v).map_err(|e| corrupt("code", e))).collect()
}

fn time(value: Option<String>) -> Result<Option<NaiveTime>, StoreError> {
    value.map(|t| NaiveTime::parse_from_str(&t, "%H:%M").map_err(|e| corrupt("calendar_events time", e))).transpose()
}

/// Every entry of the calendar, by start date: the activities of submitted responses (of every
/// cycle) and the Secretariat's events.
pub fn entries(conn: &mut DbConn) -> Result<Vec<CalendarEntry>, StoreError> {
    let rows: Vec<ActivityRow> = activities::table
        .inner_join(responses::table)
        .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
        .select((
            activities::id,
            responses::assembly_code,
            activities::cycle_label,
            activities::title,
            activities::kind_code,
            activities::starts_on,
            activities::ends_on,
            activities::city,
            activities::country,
            activities::online,
            activities::partners,
            activities::status,
            activities::updated_at,
        ))
        .load(conn)?;
    let mut themes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut regions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if !rows.is_empty() {
        for (id, code) in activity_themes::table
            .inner_join(activities::table.inner_join(responses::table))
            .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
            .order((activity_themes::activity_id, activity_themes::theme_code))
            .select((activity_themes::activity_id, activity_themes::theme_code))
            .load::<(String, String)>(conn)?
        {
            themes.entry(id).or_default().push(code);
        }
        for (id, code) in activity_regions::table
            .inner_join(activities::table.inner_join(responses::table))
            .filter(responses::status.eq(ResponseStatus::Submitted.as_str()))
            .order((activity_regions::activity_id, activity_regions::region_code))
            .select((activity_regions::activity_id, activity_regions::region_code))
            .load::<(String, String)>(conn)?
        {
            regions.entry(id).or_default().push(code);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for (id, assembly, cycle, title, kind, starts_on, ends_on, city, country, online, partners, status, updated_at) in rows {
        out.push(CalendarEntry {
            source: Source::Activity,
            assembly: Some(AssemblyCode::parse(&assembly).map_err(|e| corrupt("responses.assembly_code", e))?),
            cycle: Some(CycleLabel::parse(&cycle).map_err(|e| corrupt("activities.cycle_label", e))?),
            title,
            kind,
            starts_on,
            ends_on,
            start_time: None,
            end_time: None,
            location: location(city, country)?,
            online,
            themes: codes(themes.remove(&id).unwrap_or_default(), ThemeCode::parse)?,
            regions: codes(regions.remove(&id).unwrap_or_default(), RegionCode::parse)?,
            partners: serde_json::from_str(&partners).map_err(|e| corrupt("activities.partners", e))?,
            status: ActivityStatus::parse(&status).map_err(|e| corrupt("activities.status", e))?,
            updated_at,
            id,
        });
    }
    let events: Vec<EventRow> = calendar_events::table
        .select((
            calendar_events::id,
            calendar_events::title,
            calendar_events::kind,
            calendar_events::starts_on,
            calendar_events::ends_on,
            calendar_events::start_time,
            calendar_events::end_time,
            calendar_events::city,
            calendar_events::country,
            calendar_events::online,
            calendar_events::themes,
            calendar_events::regions,
            calendar_events::partners,
            calendar_events::status,
            calendar_events::updated_at,
        ))
        .load(conn)?;
    for (id, title, kind, starts_on, ends_on, start_time, end_time, city, country, online, themes, regions, partners, status, updated_at) in
        events
    {
        let list = |what: &str, json: &str| serde_json::from_str::<Vec<String>>(json).map_err(|e| corrupt(what, e));
        out.push(CalendarEntry {
            source: Source::Event,
            assembly: None,
            cycle: None,
            title,
            kind,
            starts_on,
            ends_on,
            start_time: time(start_time)?,
            end_time: time(end_time)?,
            location: location(city, country)?,
            online,
            themes: codes(list("calendar_events.themes", &themes)?, ThemeCode::parse)?,
            regions: codes(list("calendar_events.regions", &regions)?, RegionCode::parse)?,
            partners: list("calendar_events.partners", &partners)?,
            status: ActivityStatus::parse(&status).map_err(|e| corrupt("calendar_events.status", e))?,
            updated_at,
            id,
        });
    }
    out.sort_by(|a, b| (a.starts_on, a.start_time, &a.title, &a.id).cmp(&(b.starts_on, b.start_time, &b.title, &b.id)));
    Ok(out)
}

/// Whether an event with this title starts on this day (the demo loader adds only what is missing).
pub fn event_exists(conn: &mut DbConn, title: &str, starts_on: NaiveDate) -> Result<bool, StoreError> {
    let n: i64 = calendar_events::table
        .filter(calendar_events::title.eq(title))
        .filter(calendar_events::starts_on.eq(starts_on))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Stores a Secretariat event and returns its id.
pub fn insert_event(conn: &mut DbConn, event: &Event, actor: &str) -> Result<String, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = crate::now();
    let json = |v: &[String]| serde_json::to_string(v).expect("strings serialize");
    let themes: Vec<String> = event.themes.iter().map(ToString::to_string).collect();
    let regions: Vec<String> = event.regions.iter().map(ToString::to_string).collect();
    conn.transaction(|conn| {
        diesel::insert_into(calendar_events::table)
            .values((
                calendar_events::id.eq(&id),
                calendar_events::title.eq(&event.title),
                calendar_events::kind.eq(event.kind.as_str()),
                calendar_events::starts_on.eq(event.starts_on),
                calendar_events::ends_on.eq(event.ends_on),
                calendar_events::start_time.eq(event.start_time.map(|t| t.format("%H:%M").to_string())),
                calendar_events::end_time.eq(event.end_time.map(|t| t.format("%H:%M").to_string())),
                calendar_events::city.eq(event.location.as_ref().and_then(|l| l.city.as_deref())),
                calendar_events::country.eq(event.location.as_ref().map(|l| l.country.as_str())),
                calendar_events::online.eq(event.online),
                calendar_events::themes.eq(json(&themes)),
                calendar_events::regions.eq(json(&regions)),
                calendar_events::partners.eq(json(&event.partners)),
                calendar_events::status.eq(event.status.as_str()),
                calendar_events::created_at.eq(now),
                calendar_events::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            Entry {
                actor,
                action: "event.create",
                entity: "calendar_event",
                entity_id: &id,
                before: None,
                after: Some(serde_json::to_value(event).expect("events serialize")),
            },
        )
    })?;
    Ok(id)
}

/// Whose an entry is, to decide who may change its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// An assembly's activity (of a response in any state).
    Assembly(AssemblyCode),
    /// A Secretariat event.
    Secretariat,
}

/// The owner and status of the activity or event `id`, if there is one.
pub fn owner(conn: &mut DbConn, id: &str) -> Result<Option<(Owner, ActivityStatus)>, StoreError> {
    let activity: Option<(String, String)> = activities::table
        .inner_join(responses::table)
        .filter(activities::id.eq(id))
        .select((responses::assembly_code, activities::status))
        .get_result(conn)
        .optional()?;
    if let Some((assembly, status)) = activity {
        return Ok(Some((
            Owner::Assembly(AssemblyCode::parse(&assembly).map_err(|e| corrupt("responses.assembly_code", e))?),
            ActivityStatus::parse(&status).map_err(|e| corrupt("activities.status", e))?,
        )));
    }
    let event: Option<String> = calendar_events::table.find(id).select(calendar_events::status).get_result(conn).optional()?;
    event.map(|s| Ok((Owner::Secretariat, ActivityStatus::parse(&s).map_err(|e| corrupt("calendar_events.status", e))?))).transpose()
}

/// Sets the status of an activity or event. `by_assembly` says the activity's own assembly made
/// the change: it then also becomes what the assembly reported, so the assembly's next save
/// (which sends it back) keeps it. A change by the Secretariat stays until the assembly sends a
/// different status. The response's `updated_at` moves too, so results caches (which leave
/// cancelled activities out of the counts) see the change.
pub fn set_status(conn: &mut DbConn, id: &str, status: ActivityStatus, by_assembly: bool, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let Some((owner, before)) = owner(conn, id)? else {
            return Err(StoreError::NotFound(format!("activity or event {id}")));
        };
        let now = crate::now();
        let entity = match owner {
            Owner::Assembly(_) => {
                if by_assembly {
                    diesel::update(activities::table.find(id))
                        .set((
                            activities::status.eq(status.as_str()),
                            activities::reported_status.eq(status.as_str()),
                            activities::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                } else {
                    diesel::update(activities::table.find(id))
                        .set((activities::status.eq(status.as_str()), activities::updated_at.eq(now)))
                        .execute(conn)?;
                }
                let response: String = activities::table.find(id).select(activities::response_id).get_result(conn)?;
                diesel::update(responses::table.find(&response)).set(responses::updated_at.eq(now)).execute(conn)?;
                "activity"
            }
            Owner::Secretariat => {
                diesel::update(calendar_events::table.find(id))
                    .set((calendar_events::status.eq(status.as_str()), calendar_events::updated_at.eq(now)))
                    .execute(conn)?;
                "calendar_event"
            }
        };
        audit::append(
            conn,
            Entry {
                actor,
                action: "activity.status",
                entity,
                entity_id: id,
                before: Some(serde_json::json!({"status": before.as_str()})),
                after: Some(serde_json::json!({"status": status.as_str(), "by_assembly": by_assembly})),
            },
        )
    })
}

/// The marks the Secretariat set on joint-initiative suggestions, by suggestion key.
pub fn marks(conn: &mut DbConn) -> Result<BTreeMap<String, Mark>, StoreError> {
    joint_initiative_marks::table
        .select((joint_initiative_marks::suggestion_key, joint_initiative_marks::mark))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(k, m)| Ok((k, Mark::parse(&m).map_err(|e| corrupt("joint_initiative_marks.mark", e))?)))
        .collect()
}

/// Marks a suggestion (replacing an earlier mark).
pub fn set_mark(conn: &mut DbConn, key: &str, mark: Mark, actor: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let before: Option<String> =
            joint_initiative_marks::table.find(key).select(joint_initiative_marks::mark).get_result(conn).optional()?;
        let now = crate::now();
        if before.is_some() {
            diesel::update(joint_initiative_marks::table.find(key))
                .set((
                    joint_initiative_marks::mark.eq(mark.as_str()),
                    joint_initiative_marks::updated_at.eq(now),
                    joint_initiative_marks::updated_by.eq(actor),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(joint_initiative_marks::table)
                .values((
                    joint_initiative_marks::suggestion_key.eq(key),
                    joint_initiative_marks::mark.eq(mark.as_str()),
                    joint_initiative_marks::updated_at.eq(now),
                    joint_initiative_marks::updated_by.eq(actor),
                ))
                .execute(conn)?;
        }
        audit::append(
            conn,
            Entry {
                actor,
                action: "joint_initiative.mark",
                entity: "joint_initiative",
                entity_id: key,
                before: before.map(|m| serde_json::json!({"mark": m})),
                after: Some(serde_json::json!({"mark": mark.as_str()})),
            },
        )
    })
}

/// Who a private calendar feed belongs to, as kept in the token's label: the user when the
/// caller signed in as one, otherwise the role and assembly (a session from a personal link has
/// no user). A person has at most one active feed token.
fn feed_owner(principal: &Principal) -> String {
    match (&principal.user_id, &principal.assembly) {
        (Some(user), _) => format!("calendar feed: user {user}"),
        (None, Some(assembly)) => format!("calendar feed: {} {assembly}", principal.role),
        (None, None) => format!("calendar feed: {}", principal.role),
    }
}

/// When the caller's active feed token was made, if there is one.
pub fn feed_created(conn: &mut DbConn, principal: &Principal) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::kind.eq(TokenKind::Calendar.as_str()))
        .filter(api_tokens::label.eq(feed_owner(principal)))
        .filter(api_tokens::revoked_at.is_null())
        .order(api_tokens::created_at.desc())
        .select(api_tokens::created_at)
        .first(conn)
        .optional()?)
}

/// Revokes the caller's feed tokens; returns how many were active.
pub fn revoke_feed(conn: &mut DbConn, principal: &Principal, actor: &str) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let ids: Vec<String> = api_tokens::table
            .filter(api_tokens::kind.eq(TokenKind::Calendar.as_str()))
            .filter(api_tokens::label.eq(feed_owner(principal)))
            .filter(api_tokens::revoked_at.is_null())
            .select(api_tokens::id)
            .load(conn)?;
        for id in &ids {
            auth::revoke_token(conn, id, actor)?;
        }
        Ok(ids.len())
    })
}

/// A new feed token for the caller, replacing (revoking) any earlier one; returned in clear, the
/// only time it is seen. The token reads the calendar only: it is not accepted anywhere else.
pub fn issue_feed(conn: &mut DbConn, principal: &Principal, actor: &str) -> Result<String, StoreError> {
    conn.transaction(|conn| {
        revoke_feed(conn, principal, actor)?;
        let label = feed_owner(principal);
        let (_, token) = auth::create_token(
            conn,
            NewToken {
                kind: TokenKind::Calendar,
                role: principal.role,
                assembly: if principal.role == Role::FocalPoint { principal.assembly.as_ref() } else { None },
                cycle: None,
                user_id: principal.user_id.as_deref(),
                label: &label,
                expires_at: None,
            },
            actor,
        )?;
        Ok(token)
    })
}
