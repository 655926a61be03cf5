//! The access-control matrix: every route against every role, each status compared with the
//! expected one. Routes are discovered from the source (`route_scan`), so a new route without a
//! row here fails `every_route_has_a_row_in_the_matrix`.
//!
//! To add a route: append a `row(…)` to `matrix()` with its method, its path exactly as
//! registered, a concrete URI when the default fixtures do not fit, a body when it takes one,
//! and the five expected statuses in the order anonymous, focal point of A, focal point of B,
//! analyst, Secretariat.
//!
//! Each request carries fresh credentials (a bearer API token under `/api/`, a session cookie
//! elsewhere), and page forms carry a valid CSRF token, so each status reflects authorisation,
//! not CSRF or a spent session. Rows that write use their own fixtures (draft cycles 2029–2032,
//! a dry-run import, membership requests of their own to decide, meetings 91–92 and Presidency
//! terms from 2031 that leave the current ones alone, activity statuses posted unchanged, a
//! calendar feed per role for the revocation row, a question of the form per role) so that no
//! row changes what a later row sees. A row whose body must differ per role (the public
//! expression of interest refuses a second open request from the same assembly) gives one body
//! per role; the matrix's app allows more requests per hour than the default so that its
//! public rows stay under the limit.
//!
//! The fixtures of the path parameters: `{id}` is a membership request (with a letter) unless a
//! row names its URI (activities, notifications), `{number}` a demo meeting, `{key}` a current
//! joint-initiative suggestion; an activity and a notification of assembly A, and an event of
//! the Secretariat, are in [`Fixtures`].

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use barometer_domain::calendar::joint;
use barometer_domain::membership::RequestInput;
use barometer_domain::{AssemblyCode, CycleLabel, CycleStatus, Role};
use barometer_store::auth::{Principal, TokenKind};
use barometer_test_support::{TestDb, async_backend_tests};
use serde_json::{Value, json};

use crate::support::{CSRF, bearer, browser, form_body, load_demo, multipart, session, state, token};

/// Assembly A and assembly B: both members of the open 2026 cycle; A has a draft.
pub const A: &str = "PACE";
pub const B: &str = "EP";

const ROLES: [&str; 5] = ["anonymous", "focal point A", "focal point B", "analyst", "secretariat"];

enum Body {
    None,
    Json(Value),
    /// A URL-encoded page form; the CSRF field is added.
    Form(Vec<(&'static str, String)>),
    /// A multipart page form; the CSRF field is added.
    Multipart(Vec<(&'static str, Option<&'static str>, Vec<u8>)>),
    Raw(&'static str, Vec<u8>),
    /// One body per role, in the order of `ROLES`.
    PerRole(Vec<Body>),
}

struct Row {
    method: &'static str,
    /// The path as registered, e.g. `/api/v1/cycles/{label}`.
    route: &'static str,
    /// What is called; `None` fills the route's parameters with the default fixtures.
    uri: Option<String>,
    body: Body,
    /// anonymous, focal point A, focal point B, analyst, Secretariat.
    expect: [u16; 5],
}

fn row(method: &'static str, route: &'static str, uri: Option<&str>, body: Body, expect: [u16; 5]) -> Row {
    Row { method, route, uri: uri.map(str::to_owned), body, expect }
}

/// What the rows need from the database.
pub struct Fixtures {
    /// A valid invitation token of assembly A for cycle 2026.
    pub invitation: String,
    /// A cycle definition to post, as JSON (label 2031) and as TOML (label 2032).
    pub new_cycle_json: Value,
    pub new_cycle_toml: String,
    /// A user's email and password, for the sign-in form.
    pub email: String,
    pub password: String,
    /// A membership request with a letter (`{id}`), and two more for the two decision rows.
    pub request: String,
    pub request_to_decide_api: String,
    pub request_to_decide_page: String,
    /// A demo meeting (`{number}`).
    pub meeting: u32,
    /// An activity of assembly A and its current status (posted back unchanged).
    pub activity: String,
    pub activity_status: String,
    /// A Secretariat event and its current status.
    pub event: String,
    pub event_status: String,
    /// A current joint-initiative suggestion (`{key}`).
    pub joint: String,
    /// An unread notification of assembly A.
    pub notification: String,
    /// A calendar feed token, of an owner no row revokes.
    pub feed: String,
    /// One question of the expression-of-interest form per role: (id, answer).
    pub challenges: Vec<(String, String)>,
}

impl Fixtures {
    fn fill(&self, route: &str) -> String {
        route
            .replace("{label}", "2026")
            .replace("{cycle}", "2026")
            .replace("{assembly}", A)
            .replace("{token}", &self.invitation)
            .replace("{code}", "fr")
            .replace("{id}", &self.request)
            .replace("{number}", &self.meeting.to_string())
            .replace("{key}", &self.joint)
    }
}

fn answer() -> Value {
    json!({"themes": ["ai-tech"], "regions": ["sahel"], "activities": [], "comment": "access matrix"})
}

const PAST_CSV: &[u8] = b"assembly,theme_1\nPAM,youth-pve\n";

const MEMBERS: &str = "Parliaments of twelve countries";
const RELEVANCE: &str = "A standing committee on counter-terrorism and on preventing violent extremism.";

/// An expression of interest; `who` makes its name and address unique.
fn membership_request(who: &str) -> RequestInput {
    let slug = who.replace(' ', "-");
    RequestInput {
        assembly_name: format!("Matrix Assembly {who}"),
        members: MEMBERS.into(),
        relevance: RELEVANCE.into(),
        contact_email: format!("{slug}@matrix.example"),
    }
}

/// The matrix. Statuses: anonymous, focal point A, focal point B, analyst, Secretariat.
fn matrix(f: &Fixtures) -> Vec<Row> {
    use Body::{Form, Json, Multipart, None, PerRole, Raw};
    let all = |s: u16| [s; 5];
    // Signed-in readers of anything: every role but the anonymous.
    let signed_in = [401, 200, 200, 200, 200];
    let secretariat = [401, 403, 403, 403, 200];
    let readers = [401, 403, 403, 200, 200];
    let own_response = [401, 200, 404, 403, 200];
    let own_write = [401, 200, 404, 403, 403];
    vec![
        // Probes, documentation and assets: public.
        row("GET", "/healthz", Option::None, None, all(200)),
        row("GET", "/readyz", Option::None, None, all(200)),
        row("GET", "/api/openapi.json", Option::None, None, all(200)),
        row("GET", "/api/docs", Option::None, None, all(200)),
        row("GET", "/static/app.css", Option::None, None, all(200)),
        row("GET", "/static/favicon.svg", Option::None, None, all(200)),
        // The JSON API.
        row("GET", "/api/v1/assemblies", Option::None, None, secretariat),
        row(
            "POST",
            "/api/v1/assemblies",
            Option::None,
            Json(json!({"code": "NEW-ASSEMBLY", "name": "A new assembly", "joined_on": "2024-01-01"})),
            [401, 403, 403, 403, 201],
        ),
        row(
            "PUT",
            "/api/v1/assemblies/{code}/contact",
            Some("/api/v1/assemblies/PAM/contact"),
            Json(json!({"contact_email": "secretariat@pam.example"})),
            secretariat,
        ),
        row("GET", "/api/v1/cycles", Option::None, None, signed_in),
        row("POST", "/api/v1/cycles", Option::None, Json(f.new_cycle_json.clone()), [401, 403, 403, 403, 201]),
        row("GET", "/api/v1/cycles/{label}", Option::None, None, signed_in),
        row("POST", "/api/v1/cycles/{label}/status", Some("/api/v1/cycles/2030/status"), Json(json!({"status": "open"})), secretariat),
        row("GET", "/api/v1/cycles/{label}/status", Option::None, None, secretariat),
        row("GET", "/api/v1/cycles/{label}/responses/{assembly}", Option::None, None, own_response),
        row("PUT", "/api/v1/cycles/{label}/responses/{assembly}", Option::None, Json(answer()), own_write),
        row("POST", "/api/v1/cycles/{label}/responses/{assembly}/submit", Option::None, Json(answer()), own_write),
        row("POST", "/api/v1/cycles/{label}/invitations", Option::None, Json(json!({"assembly": B})), [401, 403, 403, 403, 201]),
        row(
            "POST",
            "/api/v1/cycles/{label}/import",
            Some("/api/v1/cycles/2025/import?dry_run=true"),
            Raw("text/csv", PAST_CSV.to_vec()),
            secretariat,
        ),
        row("GET", "/api/v1/cycles/{label}/results/priorities", Some("/api/v1/cycles/2025/results/priorities"), None, readers),
        row("GET", "/api/v1/cycles/{label}/results/regions", Some("/api/v1/cycles/2025/results/regions"), None, readers),
        row("GET", "/api/v1/cycles/{label}/results/stability", Some("/api/v1/cycles/2025/results/stability"), None, readers),
        row("GET", "/api/v1/cycles/{label}/results/headline", Some("/api/v1/cycles/2025/results/headline"), None, readers),
        row("GET", "/api/v1/compare", Some("/api/v1/compare?from=2023-24&to=2025"), None, readers),
        row("GET", "/api/v1/cycles/{label}/charts/{file}", Some("/api/v1/cycles/2025/charts/priorities.svg"), None, readers),
        row("GET", "/api/v1/charts/{file}", Some("/api/v1/charts/compare.svg?from=2023-24&to=2025"), None, readers),
        // Pages.
        row("GET", "/", Option::None, None, all(200)),
        row("GET", "/lang/{code}", Option::None, None, all(303)),
        row("GET", "/i/{token}", Option::None, None, all(303)),
        row("GET", "/sign-in", Option::None, None, [200, 303, 303, 303, 303]),
        row("POST", "/sign-in", Option::None, Form(vec![("email", f.email.clone()), ("password", f.password.clone())]), all(303)),
        row("POST", "/sign-out", Option::None, Form(vec![]), all(303)),
        row("GET", "/assemblies", Option::None, None, secretariat),
        row(
            "POST",
            "/assemblies",
            Option::None,
            Form(vec![("code", "PAGE-ASSEMBLY".into()), ("name", "Added from the page".into()), ("joined_on", "2024-01-01".into())]),
            secretariat,
        ),
        row(
            "POST",
            "/assemblies/{code}/contact",
            Some("/assemblies/PAM/contact"),
            Form(vec![("contact_email", "secretariat@pam.example".into())]),
            secretariat,
        ),
        row("GET", "/survey/{cycle}", Option::None, None, [401, 200, 200, 403, 403]),
        row(
            "POST",
            "/survey/{cycle}",
            Option::None,
            Form(vec![("action", "save".into()), ("rank-ai-tech", "1".into()), ("region", "sahel".into())]),
            [401, 303, 303, 403, 403],
        ),
        row("GET", "/cycles/new", Option::None, None, secretariat),
        row(
            "POST",
            "/cycles/new",
            Option::None,
            Multipart(vec![("definition", Option::None, f.new_cycle_toml.clone().into_bytes())]),
            [401, 403, 403, 403, 303],
        ),
        row("GET", "/cycles/{label}", Option::None, None, secretariat),
        row(
            "POST",
            "/cycles/{label}/status",
            Some("/cycles/2029/status"),
            Form(vec![("status", "open".into())]),
            [401, 403, 403, 403, 303],
        ),
        row("POST", "/cycles/{label}/invite", Option::None, Form(vec![("assembly", B.into())]), secretariat),
        row(
            "POST",
            "/cycles/{label}/import",
            Some("/cycles/2025/import"),
            Multipart(vec![("file", Some("past.csv"), PAST_CSV.to_vec())]),
            secretariat,
        ),
        row("GET", "/cycles/{label}/results", Some("/cycles/2025/results"), None, readers),
        // The calendar (JSON API): every signed-in role reads it; an activity's status is its
        // own focal point's and the Secretariat's to change (others: as if it did not exist);
        // events and joint initiatives are the Secretariat's.
        row("GET", "/api/v1/activities", Option::None, None, signed_in),
        row(
            "POST",
            "/api/v1/activities/{id}/status",
            Some(&format!("/api/v1/activities/{}/status", f.activity)),
            Json(json!({"status": f.activity_status})),
            [401, 200, 404, 404, 200],
        ),
        row(
            "POST",
            "/api/v1/activities/{id}/status",
            Some(&format!("/api/v1/activities/{}/status", f.event)),
            Json(json!({"status": f.event_status})),
            secretariat,
        ),
        row("GET", "/api/v1/calendar.ics", Option::None, None, signed_in),
        row("GET", "/api/v1/calendar.ics", Some(&format!("/api/v1/calendar.ics?token={}", f.feed)), None, all(200)),
        row(
            "POST",
            "/api/v1/calendar/events",
            Option::None,
            Json(json!({"title": "Access matrix event", "kind": "other-event", "starts_on": "2031-03-03", "online": true})),
            [401, 403, 403, 403, 201],
        ),
        row("POST", "/api/v1/calendar/feed-token", Option::None, None, [401, 201, 201, 201, 201]),
        row("DELETE", "/api/v1/calendar/feed-token", Option::None, None, [401, 204, 204, 204, 204]),
        row("GET", "/api/v1/joint-initiatives", Option::None, None, secretariat),
        row("POST", "/api/v1/joint-initiatives/{key}/mark", Option::None, Json(json!({"mark": "proposed"})), secretariat),
        // The calendar pages.
        row("GET", "/calendar", Option::None, None, signed_in),
        row("POST", "/calendar/feed", Option::None, Form(vec![("action", "create".into())]), signed_in),
        row(
            "POST",
            "/calendar/events",
            Option::None,
            Form(vec![
                ("title", "Access matrix page event".into()),
                ("kind", "other-event".into()),
                ("starts_on", "2031-04-04".into()),
                ("online", "on".into()),
            ]),
            secretariat,
        ),
        row(
            "POST",
            "/calendar/status/{id}",
            Some(&format!("/calendar/status/{}", f.activity)),
            Form(vec![("status", f.activity_status.clone()), ("next", "/calendar".into())]),
            [401, 303, 404, 404, 303],
        ),
        row("GET", "/calendar/joint", Option::None, None, secretariat),
        row(
            "POST",
            "/calendar/joint/mark",
            Option::None,
            Form(vec![("key", f.joint.clone()), ("mark", "proposed".into())]),
            [401, 403, 403, 403, 303],
        ),
        // Membership (JSON API): anyone may ask to join; the requests are the Secretariat's;
        // meetings and the Presidency are read by every signed-in role and written by the
        // Secretariat; notifications are each assembly's own.
        row("GET", "/api/v1/membership-requests", Option::None, None, secretariat),
        row(
            "POST",
            "/api/v1/membership-requests",
            Option::None,
            PerRole(ROLES.iter().map(|who| Json(serde_json::to_value(membership_request(&format!("api {who}"))).unwrap())).collect()),
            all(201),
        ),
        row(
            "POST",
            "/api/v1/membership-requests/{id}/decision",
            Some(&format!("/api/v1/membership-requests/{}/decision", f.request_to_decide_api)),
            Json(json!({"meeting": f.meeting, "decision": "declined"})),
            secretariat,
        ),
        row("POST", "/api/v1/membership-requests/{id}/notify", Option::None, None, secretariat),
        row("GET", "/api/v1/membership-requests/{id}/letter", Option::None, None, secretariat),
        row("GET", "/api/v1/meetings", Option::None, None, signed_in),
        row(
            "POST",
            "/api/v1/meetings",
            Option::None,
            Json(json!({"number": 91, "date": "2031-06-05", "venue": "Geneva"})),
            [401, 403, 403, 403, 201],
        ),
        row("GET", "/api/v1/presidency", Option::None, None, signed_in),
        row(
            "POST",
            "/api/v1/presidency",
            Option::None,
            Json(json!({"assembly": "PAM", "starts_on": "2031-01-01"})),
            [401, 403, 403, 403, 201],
        ),
        row("GET", "/api/v1/notifications", Option::None, None, signed_in),
        row(
            "POST",
            "/api/v1/notifications/{id}/read",
            Some(&format!("/api/v1/notifications/{}/read", f.notification)),
            None,
            [401, 200, 404, 403, 403],
        ),
        // Membership pages.
        row("GET", "/membership/apply", Option::None, None, all(200)),
        row(
            "POST",
            "/membership/apply",
            Option::None,
            PerRole(
                ROLES
                    .iter()
                    .zip(&f.challenges)
                    .map(|(who, (challenge, answer))| {
                        let r = membership_request(&format!("form {who}"));
                        Multipart(vec![
                            ("assembly_name", Option::None, r.assembly_name.into_bytes()),
                            ("members", Option::None, r.members.into_bytes()),
                            ("relevance", Option::None, r.relevance.into_bytes()),
                            ("contact_email", Option::None, r.contact_email.into_bytes()),
                            ("challenge", Option::None, challenge.clone().into_bytes()),
                            ("answer", Option::None, answer.clone().into_bytes()),
                        ])
                    })
                    .collect(),
            ),
            all(200),
        ),
        row("GET", "/membership", Option::None, None, secretariat),
        row("GET", "/membership/{id}", Option::None, None, secretariat),
        row("POST", "/membership/{id}/notify", Option::None, Form(vec![]), secretariat),
        row(
            "POST",
            "/membership/{id}/decision",
            Some(&format!("/membership/{}/decision", f.request_to_decide_page)),
            Form(vec![("meeting", f.meeting.to_string()), ("decision", "declined".into())]),
            secretariat,
        ),
        row("GET", "/outbox", Option::None, None, secretariat),
        row("GET", "/notifications", Option::None, None, signed_in),
        row("POST", "/notifications/read", Option::None, Form(vec![("id", f.notification.clone())]), [401, 303, 404, 403, 403]),
        // Without an id, all of the caller's own notifications.
        row("POST", "/notifications/read", Some("/notifications/read"), Form(vec![]), [401, 303, 303, 403, 403]),
        // Meetings and the Presidency (pages).
        row("GET", "/meetings", Option::None, None, signed_in),
        row(
            "POST",
            "/meetings",
            Option::None,
            Form(vec![("number", "92".into()), ("date", "2032-06-03".into()), ("venue", "Vienna".into())]),
            secretariat,
        ),
        row("GET", "/meetings/{number}/agenda", Option::None, None, signed_in),
        row("POST", "/presidency", Option::None, Form(vec![("assembly", "PAM".into()), ("starts_on", "2032-01-01".into())]), secretariat),
    ]
}

fn placeholder_fixtures() -> Fixtures {
    Fixtures {
        invitation: "x".into(),
        new_cycle_json: Value::Null,
        new_cycle_toml: String::new(),
        email: String::new(),
        password: String::new(),
        request: "x".into(),
        request_to_decide_api: "x".into(),
        request_to_decide_page: "x".into(),
        meeting: 1,
        activity: "activity".into(),
        activity_status: "planned".into(),
        event: "event".into(),
        event_status: "planned".into(),
        joint: "x".into(),
        notification: "x".into(),
        feed: "x".into(),
        challenges: ROLES.iter().map(|_| ("x".to_owned(), "x".to_owned())).collect(),
    }
}

#[test]
fn every_route_has_a_row_in_the_matrix() {
    let registered = crate::route_scan::all_routes();
    assert!(registered.len() >= 40, "the scanner found only {registered:?}");
    let rows: BTreeSet<(String, String)> =
        matrix(&placeholder_fixtures()).iter().map(|r| (r.method.to_owned(), r.route.to_owned())).collect();
    let missing: Vec<_> = registered.difference(&rows).map(|(m, p)| format!("{m} {p}")).collect();
    let stale: Vec<_> = rows.difference(&registered).map(|(m, p)| format!("{m} {p}")).collect();
    assert!(missing.is_empty(), "routes without a row in the access matrix (add one to matrix() in tests/api/access.rs): {missing:#?}");
    assert!(stale.is_empty(), "matrix rows for routes that are not registered: {stale:#?}");
    let mut seen = BTreeSet::new();
    for r in matrix(&placeholder_fixtures()) {
        assert!(seen.insert((r.method, r.route, r.uri.clone())), "a repeated row: {} {}", r.method, r.route);
        if let Body::PerRole(bodies) = &r.body {
            assert_eq!(bodies.len(), ROLES.len(), "one body per role: {} {}", r.method, r.route);
        }
    }
}

/// The demo data, an invitation for A, a user to sign in as, and draft cycles for the rows that
/// change a cycle's status.
fn fixtures(db: &TestDb) -> Fixtures {
    load_demo(db);
    let mut conn = db.conn();
    let label = |l: &str| CycleLabel::parse(l).unwrap();
    let base = barometer_store::cycles::find(&mut conn, &label("2026")).unwrap().unwrap().definition;
    let with_label = |l: &str| {
        let mut def = base.clone();
        def.label = label(l);
        def
    };
    for draft in ["2029", "2030"] {
        barometer_store::cycles::insert(&mut conn, &with_label(draft), CycleStatus::Draft, "test").unwrap();
    }
    let invitation =
        barometer_store::invitations::create(&mut conn, &label("2026"), &AssemblyCode::parse(A).unwrap(), None, "test").unwrap();
    let (email, password) = ("analyst@example.org".to_owned(), "a long enough password".to_owned());
    barometer_store::auth::create_user(&mut conn, &email, &password, Role::Analyst, None, "test").unwrap();

    // Membership: a request with a letter, notified (which gives A a notification), and one
    // request per decision row.
    let create = |conn: &mut barometer_store::DbConn, who: &str, letter: Option<barometer_store::membership::Letter>| {
        let valid = membership_request(who).validate().unwrap();
        barometer_store::membership::create(conn, &valid, "en", letter.as_ref(), "test").unwrap().id
    };
    let letter = barometer_store::membership::Letter { file_name: "letter.pdf".into(), content: b"%PDF-1.4\n%%EOF\n".to_vec() };
    let request = create(&mut conn, "fixture", Some(letter));
    let request_to_decide_api = create(&mut conn, "decided through the API", Option::None);
    let request_to_decide_page = create(&mut conn, "decided on the page", Option::None);
    let today = chrono::Utc::now().date_naive();
    barometer_store::membership::notify(&mut conn, &request, today, "A request to join", "Access matrix", "test").unwrap();
    let a = AssemblyCode::parse(A).unwrap();
    let notification = barometer_store::notifications::for_assembly(&mut conn, &a).unwrap().first().expect("A was notified").id.clone();
    let meeting = barometer_store::meetings::list(&mut conn).unwrap().first().expect("the demo has meetings").number;

    // The calendar: an activity of A, an event of the Secretariat, a joint-initiative suggestion.
    let entries = barometer_store::calendar::entries(&mut conn).unwrap();
    let of_a = entries.iter().find(|e| e.assembly.as_ref() == Some(&a)).expect("the demo has activities of A");
    let event = entries.iter().find(|e| e.assembly.is_none()).expect("the demo has Secretariat events");
    let joint = joint::suggest(&entries, joint::MAX_WINDOW_DAYS).first().expect("the demo has joint-initiative suggestions").key.clone();

    // A calendar feed for each role's credentials (the revocation row revokes them), and one
    // of an assembly no row speaks for (the `?token=` row reads it).
    let principal = |role: Role, assembly: Option<&str>| Principal {
        token_id: "access-matrix".into(),
        kind: TokenKind::Api,
        role,
        assembly: assembly.map(|c| AssemblyCode::parse(c).unwrap()),
        cycle: Option::None,
        user_id: Option::None,
    };
    for (role, assembly) in (1..ROLES.len()).filter_map(identity) {
        barometer_store::calendar::issue_feed(&mut conn, &principal(role, assembly), "test").unwrap();
    }
    let feed = barometer_store::calendar::issue_feed(&mut conn, &principal(Role::FocalPoint, Some("PAM")), "test").unwrap();

    // One question of the expression-of-interest form per role.
    let expires = barometer_store::now() + chrono::Duration::hours(1);
    let challenges = ROLES.iter().map(|_| (barometer_store::challenges::issue(&mut conn, "7", expires).unwrap(), "7".to_owned())).collect();

    Fixtures {
        invitation,
        new_cycle_json: serde_json::to_value(with_label("2031")).unwrap(),
        new_cycle_toml: with_label("2032").to_toml(),
        email,
        password,
        request,
        request_to_decide_api,
        request_to_decide_page,
        meeting,
        activity: of_a.id.clone(),
        activity_status: of_a.status.as_str().to_owned(),
        event: event.id.clone(),
        event_status: event.status.as_str().to_owned(),
        joint,
        notification,
        feed,
        challenges,
    }
}

/// The app's state, allowing more expressions of interest per hour than the default: the
/// matrix's public rows post ten from one address, and the limit is not what it tests.
fn matrix_state(db: &TestDb) -> barometer_web::AppState {
    let mut app_state = state(db);
    let mut config = (*app_state.config).clone();
    config.membership_requests_per_hour = 100;
    app_state.config = Arc::new(config);
    app_state
}

/// The role's identity: (role, assembly); `None` for the anonymous caller.
fn identity(role: usize) -> Option<(Role, Option<&'static str>)> {
    match role {
        0 => Option::None,
        1 => Some((Role::FocalPoint, Some(A))),
        2 => Some((Role::FocalPoint, Some(B))),
        3 => Some((Role::Analyst, Option::None)),
        _ => Some((Role::Secretariat, Option::None)),
    }
}

fn request(db: &TestDb, row: &Row, uri: &str, role: usize) -> TestRequest {
    let mut req = match row.method {
        "GET" => TestRequest::get(),
        "POST" => TestRequest::post(),
        "PUT" => TestRequest::put(),
        "DELETE" => TestRequest::delete(),
        "PATCH" => TestRequest::patch(),
        other => panic!("no request builder for {other}"),
    }
    .uri(uri);
    let page = !uri.starts_with("/api/");
    // Fresh credentials for every request: a row that signs out revokes only its own session.
    let who = identity(role);
    if page {
        let session = who.map(|(r, a)| session(db, r, a));
        req = browser(req, session.as_deref());
    } else if let Some((r, a)) = who {
        req = req.insert_header(bearer(&token(db, r, a)));
    }
    with_body(req, &row.body, role)
}

fn with_body(req: TestRequest, body: &Body, role: usize) -> TestRequest {
    match body {
        Body::None => req,
        Body::PerRole(bodies) => with_body(req, &bodies[role], role),
        Body::Json(value) => req.set_json(value),
        Body::Form(pairs) => {
            let mut all: Vec<(&str, &str)> = vec![("csrf", CSRF)];
            all.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            req.insert_header(("content-type", "application/x-www-form-urlencoded")).set_payload(form_body(&all))
        }
        Body::Multipart(fields) => {
            let mut all: Vec<(&str, Option<&str>, &[u8])> = vec![("csrf", Option::None, CSRF.as_bytes())];
            all.extend(fields.iter().map(|(n, f, v)| (*n, *f, v.as_slice())));
            let (content_type, body) = multipart(&all);
            req.insert_header(("content-type", content_type)).set_payload(body)
        }
        Body::Raw(content_type, bytes) => req.insert_header(("content-type", *content_type)).set_payload(bytes.clone()),
    }
}

async_backend_tests! {
    async fn every_route_answers_every_role_as_the_matrix_says(db) {
        let f = fixtures(&db);
        let app = test::init_service(barometer_web::configure(matrix_state(&db))).await;
        let mut mismatches = Vec::new();
        let mut calls = 0;
        for row in matrix(&f) {
            let uri = row.uri.clone().unwrap_or_else(|| f.fill(row.route));
            for (role, expected) in row.expect.iter().enumerate() {
                let res = test::call_service(&app, request(&db, &row, &uri, role).to_request()).await;
                calls += 1;
                let got = res.status();
                let headers = res.headers();
                let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let csp = header("content-security-policy");
                if csp.contains("unsafe-inline") || !csp.contains("frame-ancestors 'none'") || header("x-content-type-options") != "nosniff" || header("referrer-policy").is_empty() {
                    mismatches.push(format!("| {:<6} | {:<52} | {:<13} | security headers missing: CSP {csp:?}", row.method, row.route, ROLES[role]));
                }
                if got != StatusCode::from_u16(*expected).unwrap() {
                    let body = String::from_utf8_lossy(&test::read_body(res).await).chars().take(160).collect::<String>();
                    mismatches.push(format!(
                        "| {:<6} | {:<52} | {:<13} | {:>8} | {:>4} | {}",
                        row.method,
                        row.route,
                        ROLES[role],
                        expected,
                        got.as_u16(),
                        body.replace('\n', " ")
                    ));
                }
            }
        }
        assert!(calls >= 200, "only {calls} calls");
        assert!(
            mismatches.is_empty(),
            "the access matrix disagrees with the app in {} place(s):\n| method | route                                                | role          | expected |  got | body\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
}
