//! Crash safety: clients save, submit (with an `Idempotency-Key`) and amend (the same lists,
//! another comment, no key: one statement on PostgreSQL) concurrently while `barometer serve` is
//! killed with SIGKILL at a random moment, again and again. After each restart, on each backend:
//! - every acknowledged (2xx) save and submission is stored exactly as acknowledged, and the one
//!   request each client had in flight is either wholly stored or not at all;
//! - nothing is duplicated: each submission (its comment is a unique id) is recorded once, a
//!   retried in-flight submission with the same Idempotency-Key replays the stored answer, every
//!   version of a response is written once, and each response keeps exactly its activities;
//! - the database passes its integrity check (SQLite `PRAGMA integrity_check`; PostgreSQL
//!   amcheck's `bt_index_check` with `heapallindexed` on every index and `verify_heapam` on
//!   every table).
//!
//! `BAROMETER_CRASH_CYCLES` sets the number of kill cycles per backend (10 by default; the
//! benchmark runs 200), `BAROMETER_CRASH_SEED` replays a run (the seed is printed).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use barometer_store::schema::{activities, audit_log, idempotency_keys, responses};
use barometer_store::{DatabaseUrl, DbConn};
use diesel::prelude::*;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::support::{Server, barometer, run};

const CYCLE: &str = "2026";
const ASSEMBLIES: [&str; 8] = ["PAM", "OSCE-PA", "PACE", "ARABPARL", "APF", "AIPA", "SADC-PF", "PUIC"];
const THEMES: [&str; 15] = [
    "youth-pve",
    "ai-tech",
    "victims",
    "gender",
    "cyber",
    "cft",
    "oc-nexus",
    "cbrn",
    "border-security",
    "human-rights",
    "hate-speech",
    "national-strategies",
    "early-warning",
    "climate-ve",
    "critical-infrastructure",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Save,
    Submit,
    /// A submission of the same lists with another comment, without a key: on PostgreSQL the
    /// write is one statement, with no transaction around it.
    Amend,
}

/// One request a client sent: what it was and, when acknowledged, the answer's body.
#[derive(Debug)]
struct Sent {
    kind: Kind,
    /// The comment sent: unique to this request.
    id: String,
    /// The title of the activity sent (the id of the save and submission of the round).
    title: String,
    ack: Option<Value>,
}

struct Client {
    assembly: &'static str,
    token: String,
}

#[derive(Default)]
struct Figures {
    cycles: usize,
    acked_saves: usize,
    acked_submits: usize,
    acked_amends: usize,
    in_flight: usize,
    in_flight_committed: usize,
    retries_replayed: usize,
    kill_ms: Vec<u64>,
    recovery_ms: Vec<u128>,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().map(|v| v.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {v:?}"))).unwrap_or(default)
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// A response whose comment and activity title are its unique id, so its copy in the database
/// can be told from every other.
fn content(id: &str, seq: usize) -> Value {
    let themes: Vec<&str> = (0..3).map(|i| THEMES[(seq + i) % THEMES.len()]).collect();
    json!({
        "themes": themes,
        "regions": if seq.is_multiple_of(2) { json!(["mena", "sahel"]) } else { json!(["europe"]) },
        "activities": [{
            "title": id, "kind": "meeting", "starts_on": "2026-03-10", "ends_on": "2026-03-11",
            "location": {"city": "Rome", "country": "ITA"}, "online": false,
            "themes": [themes[0]], "regions": [], "partners": ["UNOCT"]
        }],
        "comment": id
    })
}

/// Saves then submits, with fresh ids, until the server stops answering. Returns every request
/// sent; only the last can lack an answer.
fn drive(http: &reqwest::blocking::Client, base: &str, client: &Client, round: usize) -> Vec<Sent> {
    let url = format!("{base}/api/v1/cycles/{CYCLE}/responses/{}", client.assembly);
    let mut sent = Vec::new();
    for seq in 0.. {
        let title = format!("r{round}-{}-{seq}", client.assembly);
        let body = content(&title, seq);
        let amend_id = format!("{title}-amend");
        let mut amendment = body.clone();
        amendment["comment"] = json!(amend_id);
        let mut activity_id = None;
        for kind in [Kind::Save, Kind::Submit, Kind::Amend] {
            let (request, id) = match kind {
                Kind::Save => (http.put(&url).json(&body), &title),
                Kind::Submit => (http.post(format!("{url}/submit")).header("Idempotency-Key", &title), &title),
                Kind::Amend => (http.post(format!("{url}/submit")).json(&amendment), &amend_id),
            };
            let answer = request.bearer_auth(&client.token).send().and_then(|r| Ok((r.status(), r.text()?)));
            let ack = match answer {
                Ok((status, text)) if status.is_success() => {
                    let ack: Value = serde_json::from_str(&text).unwrap();
                    assert_eq!(ack["comment"], json!(id), "the answer is the response just written: {ack}");
                    assert_eq!(ack["themes"], body["themes"]);
                    // The activity, sent again without its id, keeps it.
                    let this = ack["activities"][0]["id"].clone();
                    assert_eq!(activity_id.get_or_insert_with(|| this.clone()), &this, "{kind:?} {id}: {ack}");
                    Some(ack)
                }
                Ok((status, text)) => panic!("{kind:?} {id}: unexpected {status}: {text}"),
                // The server died: this request is in flight, stored or not.
                Err(_) => None,
            };
            let stop = ack.is_none();
            sent.push(Sent { kind, id: id.clone(), title: title.clone(), ack });
            if stop {
                return sent;
            }
        }
    }
    unreachable!()
}

fn start(dir: &Path, url: &str) -> (Server, u128) {
    let began = Instant::now();
    let mut command = barometer(dir, url);
    command.args(["serve", "--bind", "127.0.0.1:0"]);
    let server = Server::start_quietly(command);
    let ready = http().get(format!("{}/readyz", server.url)).send().unwrap();
    assert_eq!(ready.status(), 200);
    (server, began.elapsed().as_millis())
}

fn crash_cycles_on(url: &str, dir: &Path, cycles: u64, seed: u64) -> Figures {
    let step = |args: &[&str]| {
        let mut c = barometer(dir, url);
        c.args(args);
        let (ok, out, err) = run(c);
        assert!(ok, "{args:?}: {err}");
        out.trim().to_owned()
    };
    step(&["demo"]);
    let clients: Vec<Client> = ASSEMBLIES
        .iter()
        .map(|a| Client { assembly: a, token: step(&["admin", "create-token", "--role", "focal-point", "--assembly", a]) })
        .collect();
    let mut db = DatabaseUrl::parse(url).unwrap().connect().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut figures = Figures::default();
    let http = http();

    let ours = own_sessions(&mut db);
    let (mut server, _) = start(dir, url);
    let mut baseline: BTreeMap<&str, Value> = BTreeMap::new();
    for client in &clients {
        baseline.insert(client.assembly, get(&http, &server.url, client));
    }
    for round in 0..cycles as usize {
        let kill_after = rng.random_range(20..=700u64);
        let base = server.url.clone();
        let logs: Vec<Vec<Sent>> = std::thread::scope(|scope| {
            let drivers: Vec<_> = clients.iter().map(|c| scope.spawn(|| drive(&http, &base, c, round))).collect();
            std::thread::sleep(Duration::from_millis(kill_after));
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            drivers.into_iter().map(|d| d.join().unwrap()).collect()
        });
        figures.kill_ms.push(kill_after);
        settle(&mut db, &ours);

        let (restarted, recovery) = start(dir, url);
        server = restarted;
        figures.recovery_ms.push(recovery);
        integrity_check(&mut db);
        for (client, sent) in clients.iter().zip(&logs) {
            verify(&mut db, &http, &server.url, client, sent, baseline.get_mut(client.assembly).unwrap(), &mut figures);
        }
        figures.cycles += 1;
    }
    assert!(server.terminate());
    figures
}

fn get(http: &reqwest::blocking::Client, base: &str, client: &Client) -> Value {
    let url = format!("{base}/api/v1/cycles/{CYCLE}/responses/{}", client.assembly);
    let response = http.get(url).bearer_auth(&client.token).send().unwrap();
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

/// The audit entries of a response, their "after" documents in order.
fn history(db: &mut DbConn, assembly: &str) -> Vec<Value> {
    let rows: Vec<Option<String>> = audit_log::table
        .filter(audit_log::entity.eq("response"))
        .filter(audit_log::entity_id.eq(format!("{CYCLE}/{assembly}")))
        .order(audit_log::id.asc())
        .select(audit_log::after_json)
        .load(db)
        .unwrap();
    rows.into_iter().flatten().map(|j| serde_json::from_str(&j).unwrap()).collect()
}

/// The versions recorded with comment `id` (its save and its submission, when stored).
fn versions_of(history: &[Value], id: &str) -> usize {
    history.iter().filter(|after| after["content"]["comment"] == json!(id)).count()
}

fn stored_key(db: &mut DbConn, assembly: &str, key: &str) -> Option<Value> {
    let body: Option<String> = idempotency_keys::table
        .find((format!("submit:{CYCLE}:{assembly}"), key))
        .select(idempotency_keys::body)
        .first(db)
        .optional()
        .unwrap();
    body.map(|b| serde_json::from_str(&b).unwrap())
}

fn verify(
    db: &mut DbConn,
    http: &reqwest::blocking::Client,
    base: &str,
    client: &Client,
    sent: &[Sent],
    baseline: &mut Value,
    figures: &mut Figures,
) {
    let assembly = client.assembly;
    let last_ack = sent.iter().rev().find_map(|s| s.ack.as_ref()).unwrap_or(baseline).clone();
    let in_flight = sent.last().filter(|s| s.ack.is_none());
    let stored = get(http, base, client);
    let version = |v: &Value| v["version"].as_i64().unwrap();

    // The state is the last acknowledged write's, or the in-flight request's, whole.
    let flight_stored = stored != last_ack;
    if flight_stored {
        let flight =
            in_flight.unwrap_or_else(|| panic!("{assembly}: the last acknowledged write is lost:\nacked  {last_ack}\nstored {stored}"));
        assert_eq!(version(&stored), version(&last_ack) + 1, "{assembly}: in-flight {flight:?} stored wrongly: {stored}");
        assert_eq!(stored["comment"], json!(flight.id), "{assembly}: {stored}");
        assert_eq!(stored["activities"].as_array().unwrap().len(), 1);
        assert_eq!(stored["activities"][0]["title"], json!(flight.title));
        if flight.kind != Kind::Save {
            assert_eq!(stored["status"], "submitted");
        }
        figures.in_flight_committed += 1;
    }
    figures.in_flight += usize::from(in_flight.is_some());

    let history = history(db, assembly);
    for s in sent {
        let Some(ack) = &s.ack else { continue };
        // Every acknowledged write is in the audit log, exactly as answered.
        let logged = history.iter().filter(|after| after["version"] == ack["version"]).collect::<Vec<_>>();
        assert_eq!(logged.len(), 1, "{assembly}: version {} is recorded once", ack["version"]);
        assert_eq!(logged[0]["content"]["comment"], json!(s.id));
        assert_eq!(logged[0]["receipt"], ack["receipt"]);
        match s.kind {
            Kind::Save => figures.acked_saves += 1,
            Kind::Submit => {
                assert_eq!(stored_key(db, assembly, &s.id).as_ref(), Some(ack), "{assembly}: the submission's idempotency record");
                figures.acked_submits += 1;
            }
            Kind::Amend => figures.acked_amends += 1,
        }
    }
    // Every version was written once, and none is missing.
    let mut versions: Vec<i64> = history.iter().map(version).collect();
    versions.sort_unstable();
    let expected: Vec<i64> = (versions.first().copied().unwrap_or(1)..).take(versions.len()).collect();
    assert_eq!(versions, expected, "{assembly}: every version recorded once");
    if version(&stored) > 0 {
        assert_eq!(versions.last().copied(), Some(version(&stored)), "{assembly}: the stored version is the last recorded");
    }

    // The in-flight submission, retried with its key, is replayed if it was stored, never done twice.
    if let Some(flight) = in_flight.filter(|f| f.kind == Kind::Submit) {
        let before = stored_key(db, assembly, &flight.id);
        let url = format!("{base}/api/v1/cycles/{CYCLE}/responses/{assembly}/submit");
        let retry = http.post(url).header("Idempotency-Key", &flight.id).bearer_auth(&client.token).send().unwrap();
        assert_eq!(retry.status(), 200);
        let replayed = retry.headers().get("Idempotent-Replayed").is_some();
        let answer: Value = retry.json().unwrap();
        assert_eq!(replayed, before.is_some(), "{assembly}: a stored submission is replayed, an unstored one done");
        if let Some(before) = before {
            assert_eq!(answer, before);
            figures.retries_replayed += 1;
        }
    }
    // Nothing twice: each id's save and submission are recorded once each, counting the
    // in-flight request only if it was stored (a retried submission always is, by now).
    let history = self::history(db, assembly);
    for s in sent {
        let stored_requests =
            sent.iter().filter(|r| r.id == s.id).filter(|r| r.ack.is_some() || r.kind == Kind::Submit || flight_stored).count();
        assert_eq!(versions_of(&history, &s.id), stored_requests, "{assembly}: {} recorded once per request", s.id);
    }

    // Exactly its activities: none left over from earlier versions, none twice.
    let now = get(http, base, client);
    let response_ids: Vec<String> = responses::table
        .filter(responses::cycle_label.eq(CYCLE))
        .filter(responses::assembly_code.eq(assembly))
        .select(responses::id)
        .load(db)
        .unwrap();
    assert!(response_ids.len() <= 1, "{assembly}: one response per cycle");
    let rows: i64 = activities::table.filter(activities::response_id.eq_any(&response_ids)).count().get_result(db).unwrap();
    assert_eq!(rows as usize, now["activities"].as_array().unwrap().len(), "{assembly}: activity rows");
    *baseline = now;
}

/// Waits until the killed server's transactions are over. On PostgreSQL a backend whose client
/// was killed finishes the statement it is running, a COMMIT included, before it notices the
/// closed socket and exits: until then an in-flight submission may still become visible, which
/// would make "stored whole or not at all" look violated (stored after the check, replayed on
/// the retry). SQLite has no such afterlife: the process that wrote is gone.
/// `ours` are the sessions this test process holds itself (its own connections and the test
/// database's pool), taken before the first server started.
fn settle(db: &mut DbConn, ours: &str) {
    let DbConn::Postgres(conn) = db else { return };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let others: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN ({ours}))"
        )))
        .get_result(conn)
        .unwrap();
        if others == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{others} sessions of the killed server are still open after 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The PostgreSQL backend pids of this database's sessions now, as a SQL list (`0` on SQLite).
fn own_sessions(db: &mut DbConn) -> String {
    let DbConn::Postgres(conn) = db else { return "0".into() };
    let pids: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "(SELECT coalesce(string_agg(pid::text, ','), '0') FROM pg_stat_activity WHERE datname = current_database())",
    ))
    .get_result(conn)
    .unwrap();
    pids
}

fn integrity_check(db: &mut DbConn) {
    match db {
        DbConn::Sqlite(conn) => {
            let result: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "(SELECT group_concat(integrity_check, '; ') FROM pragma_integrity_check)",
            ))
            .get_result(conn)
            .unwrap();
            assert_eq!(result, "ok", "PRAGMA integrity_check");
            let violations: i64 =
                diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM pragma_foreign_key_check)"))
                    .get_result(conn)
                    .unwrap();
            assert_eq!(violations, 0, "PRAGMA foreign_key_check");
        }
        DbConn::Postgres(conn) => {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck").unwrap();
            // bt_index_check raises an error on a corrupt index; heapallindexed also checks
            // that every table row is in the index.
            let indexes: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(bt_index_check(c.oid, true)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE a.amname = 'btree' AND n.nspname = 'public')",
            ))
            .get_result(conn)
            .unwrap();
            assert!(indexes > 0, "indexes checked");
            let corrupt: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, \
                 LATERAL verify_heapam(c.oid) WHERE c.relkind = 'r' AND n.nspname = 'public')",
            ))
            .get_result(conn)
            .unwrap();
            assert_eq!(corrupt, 0, "verify_heapam finds no corruption");
        }
    }
}

fn median<T: Copy + Ord>(values: &[T]) -> T {
    let mut v = values.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

fn report(backend: &str, seed: u64, f: &Figures) {
    let (kill, recovery) = (&f.kill_ms, &f.recovery_ms);
    println!(
        "crash {backend}: seed {seed}, {} kill cycles, {} clients; checked {} acknowledged saves, {} acknowledged submissions and {} amendments; \
         {} requests in flight at a kill ({} of them stored whole, the rest not at all; {} retried submissions replayed); \
         kill after {}..{} ms (median {}); restart to ready {}..{} ms (median {})",
        f.cycles,
        ASSEMBLIES.len(),
        f.acked_saves,
        f.acked_submits,
        f.acked_amends,
        f.in_flight,
        f.in_flight_committed,
        f.retries_replayed,
        kill.iter().min().unwrap(),
        kill.iter().max().unwrap(),
        median(kill),
        recovery.iter().min().unwrap(),
        recovery.iter().max().unwrap(),
        median(recovery),
    );
}

#[test]
fn acknowledged_submissions_survive_sigkill_on_both_backends() {
    let cycles = env_number("BAROMETER_CRASH_CYCLES", 10).max(1);
    let seed =
        env_number("BAROMETER_CRASH_SEED", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64);
    println!("crash: BAROMETER_CRASH_SEED={seed} BAROMETER_CRASH_CYCLES={cycles}");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("barometer.db").display());
    let figures = crash_cycles_on(&sqlite, dir.path(), cycles, seed);
    assert!(figures.acked_submits > 0, "the clients got submissions through");
    report("sqlite", seed, &figures);

    if let Some(pg) = barometer_test_support::TestDb::postgres_empty() {
        let dir = tempfile::tempdir().unwrap();
        let figures = crash_cycles_on(pg.url(), dir.path(), cycles, seed);
        assert!(figures.acked_submits > 0, "the clients got submissions through");
        report("postgres", seed, &figures);
    }
}
