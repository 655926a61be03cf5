//! Two `barometer serve` processes on one PostgreSQL database behave as one service: a session
//! made on one works on the other, a submission through one is counted at once in the other's
//! results (whose cache was filled before it), an Idempotency-Key used on one is honoured on the
//! other, a CSRF token issued by one is accepted by the other, and signing out on one ends the
//! session on both. Nothing that matters lives only in one process.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Server, barometer, run};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn count_for(priorities: &Value, theme: &str) -> u64 {
    let rows = priorities.as_array().or_else(|| priorities["rows"].as_array()).unwrap_or_else(|| panic!("a table of rows: {priorities}"));
    rows.iter().find(|r| r["theme"] == json!(theme)).map_or(0, |r| r["assemblies"].as_u64().unwrap())
}

#[test]
fn two_instances_on_one_postgres_database_act_as_one_service() {
    let Some(pg) = barometer_test_support::TestDb::postgres_empty() else { return };
    let dir = tempfile::tempdir().unwrap();
    let step = |args: &[&str]| {
        let mut c = barometer(dir.path(), pg.url());
        c.args(args);
        let (ok, out, err) = run(c);
        assert!(ok, "{args:?}: {err}");
        out.trim().to_owned()
    };
    step(&["demo"]);
    let secretariat = step(&["admin", "create-token", "--role", "secretariat"]);
    let ep = step(&["admin", "create-token", "--role", "focal-point", "--assembly", "EP"]);

    let start = |demo: bool| {
        let mut c = barometer(dir.path(), pg.url());
        c.args(["serve", "--bind", "127.0.0.1:0"]);
        if demo {
            c.arg("--demo");
        }
        Server::start(c)
    };
    let mut a = start(true);
    let mut b = start(false);
    assert_ne!(a.url, b.url);
    let http = client();

    // A session made on A works on B.
    let link = a.lines.iter().filter_map(|l| l.split_whitespace().find(|w| w.contains("/i/bar_"))).nth(1).expect("a focal-point link");
    let signed_in = http.get(link).send().unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("barometer_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = http.get(format!("{}/survey/2026", b.url)).header("Cookie", &cookie).send().unwrap();
    assert_eq!(page.status(), 200, "B knows A's session");
    assert!(page.text().unwrap().contains("name=\"csrf\""), "B shows the survey form");
    let anonymous = http.get(format!("{}/survey/2026", b.url)).send().unwrap();
    assert_ne!(anonymous.status(), 200, "and without the session B does not");

    // B computes (and caches) the results before the submission…
    let priorities = |base: &str| -> Value {
        let r = http.get(format!("{base}/api/v1/cycles/2026/results/priorities")).bearer_auth(&secretariat).send().unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    };
    let headline = |base: &str| -> Value {
        http.get(format!("{base}/api/v1/cycles/2026/results/headline")).bearer_auth(&secretariat).send().unwrap().json().unwrap()
    };
    let before = priorities(&b.url);
    let respondents = headline(&b.url)["respondents"].as_u64().unwrap();
    let theme = "critical-infrastructure";

    // …a submission goes through A…
    let response = format!("{}/api/v1/cycles/2026/responses/EP", a.url);
    let body = json!({
        "themes": [theme, "cbrn"], "regions": ["europe"], "activities": [],
        "comment": "submitted through instance A"
    });
    let saved = http.put(&response).bearer_auth(&ep).json(&body).send().unwrap();
    assert_eq!(saved.status(), 200);
    let submit = |base: &str| {
        http.post(format!("{base}/api/v1/cycles/2026/responses/EP/submit"))
            .header("Idempotency-Key", "one-submission")
            .bearer_auth(&ep)
            .send()
            .unwrap()
    };
    let first = submit(&a.url);
    assert_eq!(first.status(), 200);
    let first: Value = first.json().unwrap();
    assert_eq!(first["status"], "submitted");

    // …and B counts it at once.
    assert_eq!(headline(&b.url)["respondents"].as_u64().unwrap(), respondents + 1, "B's results include A's submission");
    assert_eq!(count_for(&priorities(&b.url), theme), count_for(&before, theme) + 1);
    assert_eq!(priorities(&b.url), priorities(&a.url), "both instances give the same table");

    // The same key on B replays A's answer instead of submitting again.
    let again = submit(&b.url);
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers().get("Idempotent-Replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(again.json::<Value>().unwrap(), first);
    let stored: Value = http.get(format!("{}/api/v1/cycles/2026/responses/EP", b.url)).bearer_auth(&ep).send().unwrap().json().unwrap();
    assert_eq!(stored["version"], first["version"], "submitted once");

    // Each instance keeps the lists of the responses it wrote (and read for a write), and
    // gathers them again whenever the response's row has moved: a change of an activity's
    // status through A (the same version, a new `updated_at`) is in B's next answer.
    let put_b = |body: &Value| -> Value {
        let r = http.put(format!("{}/api/v1/cycles/2026/responses/EP", b.url)).bearer_auth(&ep).json(body).send().unwrap();
        assert_eq!(r.status(), 200);
        r.json().unwrap()
    };
    let mut with_activity = json!({
        "themes": [theme, "cbrn"], "regions": ["europe"],
        "activities": [{
            "title": "Seminar on the financing of terrorism", "kind": "meeting", "starts_on": "2026-03-10", "ends_on": "2026-03-11",
            "location": {"city": "Rome", "country": "ITA"}, "online": false, "themes": [theme], "regions": [], "partners": []
        }],
        "comment": "written through instance B"
    });
    let added = put_b(&with_activity);
    let activity = added["activities"][0]["id"].as_str().expect("the activity's id").to_owned();
    with_activity["activities"][0]["id"] = json!(activity);
    let same = put_b(&with_activity);
    assert_eq!(same["version"].as_i64(), added["version"].as_i64().map(|v| v + 1));
    assert_eq!(same["activities"][0]["status"], "planned");
    let confirmed = http
        .post(format!("{}/api/v1/activities/{activity}/status", a.url))
        .bearer_auth(&secretariat)
        .json(&json!({"status": "confirmed"}))
        .send()
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let after_status = put_b(&with_activity);
    assert_eq!(after_status["version"].as_i64(), same["version"].as_i64().map(|v| v + 1));
    assert_eq!(after_status["activities"][0]["status"], "confirmed", "B read the lists again after A changed a status");

    // The CSRF token A's page issued is accepted by B (it lives in a cookie), and signing out
    // on B ends the session on A too.
    let page = http.get(format!("{}/survey/2026", a.url)).header("Cookie", &cookie).send().unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("barometer_csrf="))
        .expect("a CSRF cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a CSRF field").to_owned();
    let signed_out = http
        .post(format!("{}/sign-out", b.url))
        .header("Cookie", format!("{cookie}; {csrf_cookie}"))
        .form(&[("csrf", csrf)])
        .send()
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    let after = http.get(format!("{}/survey/2026", a.url)).header("Cookie", &cookie).send().unwrap();
    assert_ne!(after.status(), 200, "A no longer knows the session B ended");

    assert!(a.terminate() && b.terminate());
}
