//! A small W3C WebDriver client over HTTP, enough to drive Debian's chromium through
//! chromedriver: sessions, navigation, elements, scripts and screenshots.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver, stopped when dropped.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    /// Starts chromedriver on a free port, or `None` when the machine has no browser.
    pub fn start() -> Option<Driver> {
        let chromedriver =
            ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists());
        let Some(chromedriver) = chromedriver else {
            assert!(
                std::env::var("BAROMETER_TEST_REQUIRE_BROWSER").is_err(),
                "BAROMETER_TEST_REQUIRE_BROWSER is set but chromedriver is missing"
            );
            eprintln!("skipped: install Debian's chromium and chromium-driver to run the browser tests");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while reqwest::blocking::get(format!("{url}/status")).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Driver { child, url })
    }

    /// A new headless browser with its own profile (so no cookies are shared between sessions).
    pub fn session(&self) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1600",
            &format!("--user-data-dir={}", profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}}}});
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let answer: Value = http.post(format!("{}/session", self.url)).json(&caps).send().unwrap().json().unwrap();
        let id = answer["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {answer}")).to_owned();
        Browser { http, base: format!("{}/session/{id}", self.url), _profile: profile }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    http: reqwest::blocking::Client,
    base: String,
    _profile: tempfile::TempDir,
}

#[derive(Clone)]
pub struct Element(String);

impl Browser {
    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().unwrap().json().unwrap();
        if let Some(error) = answer["value"].get("error") {
            panic!("webdriver {path}: {error}: {}", answer["value"]["message"]);
        }
        answer["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})));
    }

    pub fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).as_str().unwrap_or_default().to_owned()
    }

    /// Waits (up to 20 s) until the address ends with `suffix`: a click that submits a form
    /// returns before the next page has loaded.
    pub fn wait_for_url(&self, suffix: &str) -> String {
        let started = Instant::now();
        loop {
            let url = self.current_url();
            if url.ends_with(suffix) {
                return url;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "waited for …{suffix}, still at {url}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn find(&self, css: &str) -> Element {
        let value = self.call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css})));
        Element(value[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_owned())
    }

    pub fn click(&self, css: &str) {
        let element = self.find(css);
        // Bring it into view first: the sticky action bar must not cover it.
        self.script("arguments[0].scrollIntoView({block: 'center'});", json!([{ELEMENT: element.0}]));
        self.call(reqwest::Method::POST, &format!("/element/{}/click", element.0), Some(json!({})));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{}/clear", element.0), Some(json!({})));
        self.call(reqwest::Method::POST, &format!("/element/{}/value", element.0), Some(json!({"text": text})));
    }

    /// Chooses an option of a select by its value, as a person clicking it would.
    pub fn choose(&self, select_css: &str, value: &str) {
        self.click(&format!("{select_css} option[value=\"{value}\"]"));
    }

    pub fn property(&self, css: &str, name: &str) -> Value {
        let element = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{}/property/{name}", element.0), None)
    }

    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.call(reqwest::Method::GET, &format!("/element/{}/text", element.0), None).as_str().unwrap_or_default().to_owned()
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": script, "args": args})))
    }

    pub fn screenshot(&self, name: &str) -> std::path::PathBuf {
        let data = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap()).unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.http.delete(&self.base).send();
    }
}
