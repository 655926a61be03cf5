use std::time::Duration;

use crate::support::{Server, barometer, run};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// What the README promises a new user, on each backend: `serve --demo` prints its URL and
/// sign-in links, /readyz answers, and a Secretariat token reads the demo cycles.
fn serve_demo_on(database_url: &str, dir: &std::path::Path) {
    let mut command = barometer(dir, database_url);
    command.args(["serve", "--demo", "--bind", "127.0.0.1:0"]);
    let mut server = Server::start(command);
    assert!(server.url.starts_with("http://127.0.0.1:") && !server.url.ends_with(":0"), "a real port: {}", server.url);

    let http = client();
    let ready = http.get(format!("{}/readyz", server.url)).send().unwrap();
    assert_eq!(ready.status(), 200);

    // The printed one-time links work: the Secretariat's signs in.
    let links: Vec<&str> = server.lines.iter().filter_map(|l| l.split_whitespace().find(|w| w.contains("/i/bar_"))).collect();
    assert_eq!(links.len(), 2, "a Secretariat link and a focal-point link: {:?}", server.lines);
    let signed_in = http.get(links[0]).send().unwrap();
    assert_eq!(signed_in.status(), 303);
    assert!(signed_in.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("barometer_session=")));

    let (ok, token, stderr) = run({
        let mut c = barometer(dir, database_url);
        c.args(["admin", "create-token", "--role", "secretariat"]);
        c
    });
    assert!(ok, "create-token failed: {stderr}");
    let token = token.trim();
    assert!(token.starts_with("bar_"), "stdout holds only the token: {token:?}");

    let cycles: serde_json::Value = http.get(format!("{}/api/v1/cycles", server.url)).bearer_auth(token).send().unwrap().json().unwrap();
    let labels: Vec<&str> = cycles["items"].as_array().unwrap().iter().map(|c| c["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["2026", "2025", "2023-24"]);

    assert!(server.terminate(), "serve exits cleanly on SIGTERM");
}

#[test]
fn serve_demo_answers_on_a_free_port_and_stops_on_sigterm() {
    for (url, dir, _pg) in crate::support::databases() {
        serve_demo_on(&url, dir.path());
        if url.starts_with("sqlite://") {
            assert!(dir.path().join("barometer.db").exists(), "the SQLite file is created in the current folder");
        }
    }
}

#[test]
fn a_second_serve_demo_keeps_the_data_and_prints_fresh_links() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..2 {
        let mut command = barometer(dir.path(), "sqlite://barometer.db");
        command.args(["serve", "--demo", "--bind", "127.0.0.1:0"]);
        let mut server = Server::start(command);
        let loaded = server.lines.iter().any(|l| l.starts_with("Loaded the illustrative demo data set"));
        assert_eq!(loaded, round == 0, "the demo loads only into an empty database: {:?}", server.lines);
        assert!(server.lines.iter().any(|l| l.contains("/i/bar_")));
        assert!(server.terminate());
    }
}
