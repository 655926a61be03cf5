//! JSON views of stored records, shared by the API routes (and idempotent replays).

use barometer_domain::response::{Activity, IsoDate};
use barometer_domain::{RegionCode, ThemeCode};
use barometer_store::responses::StoredResponse;
use serde::Serialize;
use serde_json::{Value, json};

fn instant(at: chrono::NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A response as the contract shows it: the body of a PUT plus its identity and state, and an
/// `id` on every activity. It serializes straight from the stored response. Its fields (and an
/// activity's) are in the order of their names, the order in which the `serde_json::Value` these
/// answers were once built as wrote them: the bytes of an answer are the same as before (a test
/// below holds every field to that order).
pub fn response_json(r: &StoredResponse) -> ResponseView<'_> {
    ResponseView {
        activities: r.content.activities.iter().map(ActivityView).collect(),
        assembly: r.assembly.as_str(),
        comment: &r.content.comment,
        created_at: instant(r.created_at),
        cycle: r.cycle.as_str(),
        receipt: r.receipt.as_deref(),
        regions: &r.content.regions,
        status: r.status.as_str(),
        submitted_at: r.submitted_at.map(instant),
        themes: &r.content.themes,
        updated_at: instant(r.updated_at),
        version: r.version,
    }
}

/// See [`response_json`].
#[derive(Serialize)]
pub struct ResponseView<'a> {
    activities: Vec<ActivityView<'a>>,
    assembly: &'a str,
    comment: &'a str,
    created_at: String,
    cycle: &'a str,
    receipt: Option<&'a str>,
    regions: &'a [RegionCode],
    status: &'a str,
    submitted_at: Option<String>,
    themes: &'a [ThemeCode],
    updated_at: String,
    version: i32,
}

/// An activity of a [`ResponseView`].
struct ActivityView<'a>(&'a Activity);

impl Serialize for ActivityView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let a = self.0;
        let mut s = serializer.serialize_struct("Activity", 11)?;
        s.serialize_field("ends_on", &IsoDate(a.ends_on))?;
        s.serialize_field("id", &a.id)?;
        s.serialize_field("kind", &a.kind)?;
        // A location's own fields (city, country) are in that order already.
        s.serialize_field("location", &a.location)?;
        s.serialize_field("online", &a.online)?;
        s.serialize_field("partners", &a.partners)?;
        s.serialize_field("regions", &a.regions)?;
        s.serialize_field("starts_on", &IsoDate(a.starts_on))?;
        s.serialize_field("status", a.status.as_str())?;
        s.serialize_field("themes", &a.themes)?;
        s.serialize_field("title", &a.title)?;
        s.end()
    }
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

#[cfg(test)]
mod tests {
    use barometer_domain::{ActivityStatus, AssemblyCode, CycleLabel, Iso3, KindCode, Location, ResponseContent, ResponseStatus};
    use chrono::NaiveDate;

    use super::*;

    /// The answer as it was built before [`ResponseView`]: a `serde_json::Value`, which writes
    /// its members in the order of their names.
    fn as_value(r: &StoredResponse) -> Value {
        let activities: Vec<Value> = r
            .content
            .activities
            .iter()
            .map(|a| {
                json!({
                    "id": a.id, "title": a.title, "kind": a.kind, "starts_on": a.starts_on, "ends_on": a.ends_on,
                    "location": a.location.as_ref().map(|l| json!({"city": l.city, "country": l.country})),
                    "online": a.online, "themes": a.themes, "regions": a.regions, "partners": a.partners,
                    "status": a.status.as_str(),
                })
            })
            .collect();
        json!({
            "assembly": r.assembly, "cycle": r.cycle, "status": r.status.as_str(), "version": r.version,
            "created_at": instant(r.created_at), "updated_at": instant(r.updated_at),
            "submitted_at": r.submitted_at.map(instant), "receipt": r.receipt,
            "themes": r.content.themes, "regions": r.content.regions, "activities": activities,
            "comment": r.content.comment,
        })
    }

    fn activity(id: &str, city: Option<&str>, partners: &[&str], status: ActivityStatus) -> Activity {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        Activity {
            id: Some(id.into()),
            title: format!("Séminaire « {id} » \"quoted\" <b>"),
            kind: KindCode::parse("seminar").unwrap(),
            starts_on: day(2),
            ends_on: day(4),
            location: Some(Location { city: city.map(str::to_owned), country: Iso3::parse("MAR").unwrap() }),
            online: city.is_none(),
            themes: vec![ThemeCode::parse("youth-pve").unwrap()],
            regions: vec![RegionCode::parse("mena").unwrap(), RegionCode::parse("sahel").unwrap()],
            partners: partners.iter().map(|p| p.to_string()).collect(),
            status,
            status_given: true,
        }
    }

    #[test]
    fn a_response_is_answered_with_the_same_bytes_as_its_value_was() {
        let at = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap().and_hms_opt(9, 30, 5).unwrap();
        let mut r = StoredResponse {
            id: "r1".into(),
            cycle: CycleLabel::parse("2026").unwrap(),
            assembly: AssemblyCode::parse("PAM").unwrap(),
            status: ResponseStatus::Submitted,
            version: 7,
            content: ResponseContent {
                themes: vec![ThemeCode::parse("ai-tech").unwrap(), ThemeCode::parse("youth-pve").unwrap()],
                regions: vec![RegionCode::parse("africa").unwrap()],
                activities: vec![
                    activity("a1", Some("Rabat"), &["UNOCT", "PAM"], ActivityStatus::Confirmed),
                    activity("a2", None, &[], ActivityStatus::Planned),
                ],
                comment: "لجنة — line\nbreak".into(),
            },
            receipt: Some("2026-PAM-V7-0A1B2C3D".into()),
            created_at: at,
            updated_at: at + chrono::Duration::seconds(61),
            submitted_at: Some(at + chrono::Duration::seconds(61)),
        };
        for _ in 0..2 {
            let direct = serde_json::to_string(&response_json(&r)).unwrap();
            assert_eq!(direct, as_value(&r).to_string());
            // Then a draft: no receipt, no submission instant, an activity with no location.
            r.status = ResponseStatus::Draft;
            r.receipt = None;
            r.submitted_at = None;
            r.content.activities[0].location = None;
        }
        r.content.activities.clear();
        assert_eq!(serde_json::to_string(&response_json(&r)).unwrap(), as_value(&r).to_string());
    }
}
