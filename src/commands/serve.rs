//! `barometer serve`: migrate, optionally load the demo, listen, and stop cleanly on a signal.

use std::net::TcpListener;

use anyhow::{Context, Result};
use barometer_domain::Role;
use barometer_store::auth::{self, NewToken, TokenKind};
use barometer_store::{DatabaseUrl, Pool};
use barometer_web::{AppState, Application};

use crate::cli::ServeArgs;

const DEMO_SECRETARIAT_EMAIL: &str = "secretariat@demo.barometer.invalid";

pub fn run(url: &DatabaseUrl, args: ServeArgs) -> Result<()> {
    let pool = super::open(url, args.pool_size)?;
    super::migrate(&pool)?;
    let demo_links = args.demo;
    if args.demo {
        let mut conn = pool.get().context("connecting to the database")?;
        if barometer_store::demo::is_empty(&mut conn)? {
            let loaded = super::load_demo(&pool)?;
            println!(
                "Loaded the illustrative demo data set: {} assemblies, {} cycles, {} responses, {} calendar events.",
                loaded.assemblies, loaded.cycles, loaded.responses, loaded.events
            );
        } else {
            println!("The database already holds data; the demo data set was not loaded again.");
        }
    }

    let listener = TcpListener::bind(&args.bind).with_context(|| format!("listening on {} (BAROMETER_BIND)", args.bind))?;
    let port = listener.local_addr()?.port();
    let config = crate::config::web(&args, Some(port))?;
    let base_url = config.base_url.clone();
    if let Some(url) = &config.smtp_url {
        let smtp = barometer_web::mail::Smtp::parse(url).map_err(anyhow::Error::msg)?;
        barometer_web::mail::spawn_sender(pool.clone(), smtp, config.mail_from.clone(), std::time::Duration::from_secs(30))
            .context("starting the email sender")?;
        tracing::info!("email is delivered through BAROMETER_SMTP_URL");
    } else {
        tracing::info!("BAROMETER_SMTP_URL is not set: email waits in the outbox");
    }
    let state = AppState::new(pool.clone(), config);

    actix_web::rt::System::new().block_on(async move {
        let app = Application::from_listener(listener, state).context("starting the web server")?;
        println!("barometer is listening on {}", app.local_url());
        if demo_links {
            print_demo_links(&pool, &base_url)?;
        }
        tracing::info!(url = %app.local_url(), database = %url.backend(), "serving");
        app.run_until_stopped().await.context("serving")?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// One-time sign-in links for the demo Secretariat and for one assembly's focal point, so a new
/// user can try both sides of the service at once. New links are made at every start.
fn print_demo_links(pool: &Pool, base_url: &str) -> Result<()> {
    let set = barometer_domain::demo::dataset().map_err(|e| anyhow::anyhow!("demo data set: {e}"))?;
    let mut conn = pool.get().context("connecting to the database")?;
    let user = match auth::find_user_by_email(&mut conn, DEMO_SECRETARIAT_EMAIL)? {
        Some(user) => user,
        // A password nobody knows: the demo Secretariat signs in through its link only.
        None => auth::create_user(&mut conn, DEMO_SECRETARIAT_EMAIL, &random_password(), Role::Secretariat, None, "system:demo")?,
    };
    let expires = Some(barometer_store::now() + chrono::Duration::hours(24));
    let (_, secretariat) = auth::create_token(
        &mut conn,
        NewToken {
            kind: TokenKind::SignIn,
            role: Role::Secretariat,
            assembly: None,
            cycle: None,
            user_id: Some(&user.id),
            label: "demo sign-in",
            expires_at: expires,
        },
        "system:demo",
    )?;
    println!();
    println!("Try it (one-time links, valid for 24 hours; illustrative demo data):");
    println!("  Secretariat:  {base_url}/i/{secretariat}");
    if let Some((cycle, assembly)) = barometer_store::demo::sample_focal_point(&set) {
        let (_, focal) = auth::create_token(
            &mut conn,
            NewToken {
                kind: TokenKind::SignIn,
                role: Role::FocalPoint,
                assembly: Some(&assembly),
                cycle: Some(&cycle),
                user_id: None,
                label: "demo sign-in",
                expires_at: expires,
            },
            "system:demo",
        )?;
        println!("  Focal point of {assembly} (cycle {cycle}):  {base_url}/i/{focal}");
    }
    println!();
    Ok(())
}

fn random_password() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
