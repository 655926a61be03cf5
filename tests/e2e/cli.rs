use crate::support::{barometer, run};

#[test]
fn an_unsupported_database_scheme_names_the_supported_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run({
        let mut c = barometer(dir.path(), "mysql://x");
        c.arg("migrate");
        c
    });
    assert!(!ok, "migrate must fail");
    assert!(stderr.contains("\"mysql\"") && stderr.contains("sqlite://") && stderr.contains("postgres://"), "{stderr}");
}

#[test]
fn migrate_and_demo_are_idempotent() {
    for (url, dir, _pg) in crate::support::databases() {
        let step = |args: &[&str]| {
            let mut c = barometer(dir.path(), &url);
            c.args(args);
            run(c)
        };
        let (ok, out, err) = step(&["migrate"]);
        assert!(ok && out.contains("applied"), "{out}{err}");
        let (ok, out, _) = step(&["migrate"]);
        assert!(ok && out.contains("up to date"), "{out}");
        let (ok, out, _) = step(&["demo"]);
        assert!(ok && out.contains("17 assemblies"), "{out}");
        let (ok, out, _) = step(&["demo"]);
        assert!(ok && out.contains("already loaded"), "{out}");
    }
}

#[test]
fn focal_point_tokens_need_a_known_assembly_and_users_read_their_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let command = |args: &[&str]| {
        let mut c = barometer(dir.path(), "sqlite://barometer.db");
        c.args(args);
        c
    };
    assert!(run(command(&["demo"])).0);
    let (ok, _, err) = run(command(&["admin", "create-token", "--role", "focal-point"]));
    assert!(!ok && err.contains("--assembly"), "{err}");
    let (ok, _, err) = run(command(&["admin", "create-token", "--role", "focal-point", "--assembly", "NOPE"]));
    assert!(!ok && err.contains("NOPE"), "{err}");
    let (ok, out, err) = run(command(&["admin", "create-token", "--role", "focal-point", "--assembly", "PAM", "--label", "PAM API"]));
    assert!(ok && out.trim().starts_with("bar_"), "{err}");
    let (ok, _, err) = run(command(&["admin", "create-token", "--role", "boss"]));
    assert!(!ok && err.contains("secretariat, analyst or focal-point"), "{err}");

    let mut create_user = command(&["admin", "create-user", "--email", "analyst@example.org", "--role", "analyst"]);
    let mut child = create_user.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a sufficiently long password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("analyst@example.org"));
}
