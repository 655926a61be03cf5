//! The survey in a real browser (Debian's chromium through chromedriver): a focal point opens
//! the personal link, ranks three themes, picks two regions, adds an activity, saves a draft,
//! reloads and finds everything, and submits; the Secretariat then sees it in the tracker. The
//! flow runs in English and in Arabic (right to left). Screenshots land in
//! `target/browser-screenshots/`.

use serde_json::json;

use crate::support::{Server, barometer, run};
use crate::webdriver::{Browser, Driver};

struct Fixture {
    dir: tempfile::TempDir,
    server: Server,
    token: String,
}

impl Fixture {
    fn start() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let mut command = barometer(dir.path(), "sqlite://barometer.db");
        command.args(["serve", "--demo", "--bind", "127.0.0.1:0"]);
        let server = Server::start(command);
        let mut create = barometer(dir.path(), "sqlite://barometer.db");
        create.args(["admin", "create-token", "--role", "secretariat"]);
        let (ok, token, err) = run(create);
        assert!(ok, "{err}");
        Fixture { dir, server, token: token.trim().to_owned() }
    }

    /// A fresh personal link for an assembly's focal point.
    fn invitation(&self, assembly: &str) -> String {
        let answer: serde_json::Value = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/cycles/2026/invitations", self.server.url))
            .bearer_auth(&self.token)
            .json(&json!({"assembly": assembly}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        answer["url"].as_str().unwrap_or_else(|| panic!("no invitation: {answer}")).to_owned()
    }
}

/// The whole focal-point flow for `assembly` in `lang`.
fn answer_the_survey(browser: &Browser, fixture: &Fixture, assembly: &str, lang: &str) {
    let base = &fixture.server.url;
    browser.goto(&format!("{base}/lang/{lang}?next=/"));
    browser.goto(&fixture.invitation(assembly));
    browser.wait_for_url("/survey/2026");
    let dir = browser.script("return document.documentElement.dir", json!([]));
    assert_eq!(dir, json!(if lang == "ar" { "rtl" } else { "ltr" }));
    assert_eq!(browser.script("return document.documentElement.lang", json!([])), json!(lang));

    browser.choose("#rank-ai-tech", "1");
    browser.choose("#rank-youth-pve", "2");
    browser.choose("#rank-victims", "3");
    browser.click("#region-mena");
    browser.click("#region-sahel");
    browser.type_into("#a0-title", "Regional conference on youth and PVE — مؤتمر إقليمي");
    browser.choose("#a0-kind", "conference");
    browser.script(
        "document.getElementById('a0-starts_on').value = '2026-06-10'; document.getElementById('a0-ends_on').value = '2026-06-11';",
        json!([]),
    );
    browser.type_into("#a0-city", "Rome");
    browser.choose("#a0-country", "ITA");
    browser.type_into("#a0-partners", "UNOCT, UNODC");
    browser.click("#a0 input[name='a0-theme'][value='youth-pve']");
    browser.screenshot(&format!("{lang}-1-filled"));
    browser.click("#save");
    browser.wait_for_url("/survey/2026?done=saved");

    // Come back later: everything is there.
    browser.goto(&format!("{base}/survey/2026"));
    assert_eq!(browser.property("#rank-ai-tech", "value"), json!("1"));
    assert_eq!(browser.property("#rank-youth-pve", "value"), json!("2"));
    assert_eq!(browser.property("#rank-victims", "value"), json!("3"));
    assert_eq!(browser.property("#region-mena", "checked"), json!(true));
    assert_eq!(browser.property("#region-sahel", "checked"), json!(true));
    assert_eq!(browser.property("#region-europe", "checked"), json!(false));
    assert_eq!(browser.property("#a0-title", "value"), json!("Regional conference on youth and PVE — مؤتمر إقليمي"));
    assert_eq!(browser.property("#a0-starts_on", "value"), json!("2026-06-10"));
    assert_eq!(browser.property("#a0-country", "value"), json!("ITA"));
    assert_eq!(browser.property("#a0-partners", "value"), json!("UNOCT, UNODC"));
    browser.screenshot(&format!("{lang}-2-reloaded"));

    browser.click("#submit");
    browser.wait_for_url("/survey/2026?done=submitted");
    let receipt = browser.text("#receipt");
    assert!(receipt.starts_with(&format!("2026-{assembly}-V2-")), "a receipt number: {receipt}");
    browser.screenshot(&format!("{lang}-3-submitted"));
}

/// The Secretariat's tracker shows the assembly as submitted.
fn secretariat_sees_submitted(driver: &Driver, fixture: &Fixture, assembly: &str, lang: &str) {
    let browser = driver.session();
    let mut create = barometer(fixture.dir.path(), "sqlite://barometer.db");
    let email = format!("secretariat-{lang}@example.org");
    create.args(["admin", "create-user", "--email", &email, "--role", "secretariat"]).stdin(std::process::Stdio::piped());
    let mut child = create.stdout(std::process::Stdio::null()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"a long secretariat password\n").unwrap();
    assert!(child.wait().unwrap().success());

    let base = &fixture.server.url;
    browser.goto(&format!("{base}/lang/{lang}?next=/sign-in"));
    browser.type_into("#email", &email);
    browser.type_into("#password", "a long secretariat password");
    browser.click("form[action='/sign-in'] button[type='submit']");
    browser.wait_for_url("/");
    browser.goto(&format!("{base}/cycles/2026"));
    let badge = browser.find(&format!("tr[data-assembly='{assembly}'] .badge-submitted"));
    let _ = badge;
    browser.screenshot(&format!("{lang}-4-tracker"));
}

#[test]
fn a_focal_point_answers_in_english_and_in_arabic_and_the_secretariat_sees_it() {
    let Some(driver) = Driver::start() else { return };
    let fixture = Fixture::start();
    for (assembly, lang) in [("EP", "en"), ("APU", "ar")] {
        let browser = driver.session();
        answer_the_survey(&browser, &fixture, assembly, lang);
        secretariat_sees_submitted(&driver, &fixture, assembly, lang);
    }
}

/// Signs in a new web user with `role` in a fresh browser session.
fn signed_in(driver: &Driver, fixture: &Fixture, role: &str, email: &str) -> Browser {
    let mut create = barometer(fixture.dir.path(), "sqlite://barometer.db");
    create.args(["admin", "create-user", "--email", email, "--role", role]).stdin(std::process::Stdio::piped());
    let mut child = create.stdout(std::process::Stdio::null()).spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"a long calendar password\n").unwrap();
    assert!(child.wait().unwrap().success());
    let browser = driver.session();
    browser.goto(&format!("{}/sign-in", fixture.server.url));
    browser.type_into("#email", email);
    browser.type_into("#password", "a long calendar password");
    browser.click("form[action='/sign-in'] button[type='submit']");
    browser.wait_for_url("/");
    browser
}

/// The titles of the entries the calendar's list shows, and the theme text of each.
fn listed(browser: &Browser) -> Vec<(String, String)> {
    let value = browser.script(
        "return Array.from(document.querySelectorAll('#calendar-list > li')).map(li => [li.querySelector('h3').textContent.trim(), (li.querySelector('.entry-themes') || {textContent: ''}).textContent.trim()]);",
        json!([]),
    );
    serde_json::from_value(value).unwrap()
}

/// The calendar of the demo's June 2025 (six activities and the Sixth Meeting of the Mechanism),
/// in `lang`: the month grid, then the list, filtered by theme with the GET form.
fn calendar_filtered_by_theme(browser: &Browser, fixture: &Fixture, lang: &str, month_title: &str) {
    let base = &fixture.server.url;
    browser.goto(&format!("{base}/lang/{lang}?next=%2Fcalendar%3Fmonth%3D2025-06"));
    browser.wait_for_url("/calendar?month=2025-06");
    assert_eq!(browser.script("return document.documentElement.dir", json!([])), json!(if lang == "ar" { "rtl" } else { "ltr" }));
    assert_eq!(browser.text("#period-title"), month_title);
    // The month is a table with a header per weekday; the meeting sits on its day.
    assert_eq!(browser.script("return document.querySelectorAll('#calendar-month thead th').length", json!([])), json!(7));
    let meeting = browser.text("td[data-date='2025-06-12'] .day-entries");
    assert!(meeting.contains("Sixth Meeting of the Coordination Mechanism"), "{meeting}");
    browser.screenshot(&format!("calendar-{lang}-1-month"));

    browser.click("#view-list");
    browser.wait_for_url("view=list&month=2025-06");
    let everything = listed(browser);
    assert_eq!(everything.len(), 7, "{everything:?}");

    let label = browser.text("#f-theme option[value='ai-tech']");
    browser.choose("#f-theme", "ai-tech");
    browser.click("#apply-filters");
    browser.wait_for_url("theme=ai-tech&region=&kind=&from=&to=");
    let filtered = listed(browser);
    assert_eq!(filtered.len(), 2, "{filtered:?}");
    for (title, themes) in &filtered {
        assert!(themes.contains(&label), "{title} is listed under {label} but shows {themes}");
    }
    assert_eq!(browser.property("#f-theme", "value"), json!("ai-tech"), "the filter keeps its choice");
    browser.screenshot(&format!("calendar-{lang}-2-filtered"));

    // The same filter in the month grid: only those activities' days have entries.
    browser.click("#view-month");
    browser.wait_for_url("theme=ai-tech");
    let days = browser.script(
        "return Array.from(document.querySelectorAll('#calendar-month td[data-date]')).filter(td => td.querySelector('.day-entries')).map(td => td.dataset.date);",
        json!([]),
    );
    assert_eq!(days, json!(["2025-06-03", "2025-06-04", "2025-06-05", "2025-06-17"]));
}

#[test]
fn the_calendar_opens_in_english_and_in_arabic_and_filters_by_theme() {
    let Some(driver) = Driver::start() else { return };
    let fixture = Fixture::start();
    let browser = signed_in(&driver, &fixture, "analyst", "analyst-calendar@example.org");
    // It opens on the current month.
    browser.goto(&format!("{}/calendar", fixture.server.url));
    let today = chrono::Utc::now().date_naive();
    assert_eq!(browser.property("input[name='month']", "value"), json!(today.format("%Y-%m").to_string()));
    calendar_filtered_by_theme(&browser, &fixture, "en", "June 2025");
    calendar_filtered_by_theme(&browser, &fixture, "ar", "يونيو 2025");
}
