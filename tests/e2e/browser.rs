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
