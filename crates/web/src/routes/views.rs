//! JSON views of stored records, shared by the API routes (and idempotent replays).

use barometer_store::responses::StoredResponse;
use serde_json::{Value, json};

fn instant(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A response as the contract shows it: the body of a PUT plus its identity and state, and an
/// `id` on every activity.
pub fn response_json(r: &StoredResponse) -> Value {
    let activities: Vec<Value> = r
        .content
        .activities
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "title": a.title,
                "kind": a.kind,
                "starts_on": a.starts_on,
                "ends_on": a.ends_on,
                "location": a.location.as_ref().map(|l| json!({"city": l.city, "country": l.country})),
                "online": a.online,
                "themes": a.themes,
                "regions": a.regions,
                "partners": a.partners,
                "status": a.status.as_str(),
            })
        })
        .collect();
    json!({
        "assembly": r.assembly,
        "cycle": r.cycle,
        "status": r.status.as_str(),
        "version": r.version,
        "created_at": instant(r.created_at),
        "updated_at": instant(r.updated_at),
        "submitted_at": r.submitted_at.map(instant),
        "receipt": r.receipt,
        "themes": r.content.themes,
        "regions": r.content.regions,
        "activities": activities,
        "comment": r.content.comment,
    })
}

/// An assembly that has not answered yet: an empty response at version 0.
pub fn empty_response_json(cycle: &str, assembly: &str) -> Value {
    json!({
        "assembly": assembly, "cycle": cycle, "status": "not_started", "version": 0,
        "created_at": null, "updated_at": null, "submitted_at": null, "receipt": null,
        "themes": [], "regions": [], "activities": [], "comment": "",
    })
}

pub fn timestamp(at: chrono::NaiveDateTime) -> String {
    instant(at)
}
