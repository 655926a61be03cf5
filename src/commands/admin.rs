//! `barometer admin …`: tokens and web logins.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use barometer_domain::{AssemblyCode, Role};
use barometer_store::Pool;
use barometer_store::auth::{self, NewToken, TokenKind};

use crate::cli::AdminCommand;

const ACTOR: &str = "cli:admin";

pub fn run(pool: &Pool, command: AdminCommand) -> Result<()> {
    let mut conn = pool.get().context("connecting to the database")?;
    match command {
        AdminCommand::CreateToken { role, assembly, label } => {
            let role = Role::parse(&role).map_err(anyhow::Error::msg).context("--role")?;
            let assembly = known_assembly(&mut conn, role, assembly.as_deref())?;
            let (_, token) = auth::create_token(
                &mut conn,
                NewToken {
                    kind: TokenKind::Api,
                    role,
                    assembly: assembly.as_ref(),
                    cycle: None,
                    user_id: None,
                    label: &label,
                    expires_at: None,
                },
                ACTOR,
            )
            .context("creating the token")?;
            eprintln!(
                "New {role} token{}. It is shown only now; store it safely:",
                assembly.as_ref().map(|a| format!(" for {a}")).unwrap_or_default()
            );
            println!("{token}");
            Ok(())
        }
        AdminCommand::CreateUser { email, role, assembly } => {
            let role = Role::parse(&role).map_err(anyhow::Error::msg).context("--role")?;
            let assembly = known_assembly(&mut conn, role, assembly.as_deref())?;
            let password = read_password()?;
            let user = auth::create_user(&mut conn, &email, &password, role, assembly.as_ref(), ACTOR).map_err(|e| match e {
                barometer_store::StoreError::Invalid(fields) => anyhow::anyhow!("{fields}"),
                other => anyhow::Error::new(other),
            })?;
            println!("created {} ({}) — they can sign in at /sign-in", user.email, user.role);
            Ok(())
        }
    }
}

/// The assembly a focal point needs, checked against the roster.
fn known_assembly(conn: &mut barometer_store::DbConn, role: Role, code: Option<&str>) -> Result<Option<AssemblyCode>> {
    match (role, code) {
        (Role::FocalPoint, None) => bail!("a focal point speaks for one assembly: add --assembly CODE (e.g. --assembly PAM)"),
        (Role::FocalPoint, Some(code)) => {
            let code = AssemblyCode::parse(code).context("--assembly")?;
            if barometer_store::assemblies::find(conn, &code)?.is_none() {
                bail!("--assembly {code}: no assembly with that code is on the roster (see GET /api/v1/assemblies)");
            }
            Ok(Some(code))
        }
        (_, Some(_)) => bail!("--assembly is only for the focal-point role"),
        (_, None) => Ok(None),
    }
}

/// Reads the password from standard input: one line, so that it can be piped.
fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (at least 12 characters; it will be shown as you type): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | barometer admin create-user …`");
    }
    Ok(password)
}
