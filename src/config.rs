//! The typed configuration: defaults, then the environment, then flags (clap applies the last
//! two in that order), checked once here so that a bad value fails before anything starts.

use anyhow::{Context, Result, bail};
use barometer_store::DatabaseUrl;
use barometer_web::WebConfig;

use crate::cli::ServeArgs;

/// Parses the database URL; an unsupported scheme names the supported ones.
pub fn database(url: &str) -> Result<DatabaseUrl> {
    Ok(DatabaseUrl::parse(url)?)
}

/// The web configuration for `serve`. The base URL, when not given, is derived from the bound
/// address once it is known (port 0 picks a free port).
pub fn web(args: &ServeArgs, bound_port: Option<u16>) -> Result<WebConfig> {
    let mut config = WebConfig::new(&args.bind, args.base_url.clone().unwrap_or_default());
    if let Some(base) = &args.base_url {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("BAROMETER_BASE_URL {base:?} must start with http:// or https:// (e.g. https://barometer.example.org)");
        }
    } else {
        let port = bound_port.map_or_else(|| port_of(&args.bind), Ok)?;
        let host = host_of(&args.bind);
        config.base_url = format!("http://{host}:{port}");
    }
    if args.json_limit_kib == 0 {
        bail!("BAROMETER_JSON_LIMIT_KIB must be at least 1");
    }
    config.json_limit = args.json_limit_kib * 1024;
    if args.letter_limit_kib == 0 {
        bail!("BAROMETER_LETTER_LIMIT_KIB must be at least 1");
    }
    config.letter_limit = args.letter_limit_kib * 1024;
    if args.membership_requests_per_hour == 0 {
        bail!("BAROMETER_MEMBERSHIP_REQUESTS_PER_HOUR must be at least 1");
    }
    config.membership_requests_per_hour = args.membership_requests_per_hour;
    config.trust_forwarded_for = args.trust_forwarded_for;
    if let Some(url) = &args.smtp_url {
        barometer_web::mail::Smtp::parse(url).map_err(anyhow::Error::msg)?;
    }
    config.smtp_url = args.smtp_url.clone().filter(|u| !u.trim().is_empty());
    // A local sender such as barometer@localhost is fine here; only what SMTP cannot carry is refused.
    let from = args.mail_from.trim();
    if !from.contains('@') || from.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';')) {
        bail!("BAROMETER_MAIL_FROM {from:?} is not an email address (e.g. barometer@assembly.example)");
    }
    config.mail_from = from.to_owned();
    Ok(config)
}

fn port_of(bind: &str) -> Result<u16> {
    bind.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).with_context(|| format!("BAROMETER_BIND {bind:?} is not HOST:PORT"))
}

/// The host to print and link to: a wildcard address is shown as localhost.
fn host_of(bind: &str) -> String {
    let host = bind.rsplit_once(':').map_or(bind, |(h, _)| h);
    match host {
        "0.0.0.0" | "[::]" | "" => "127.0.0.1".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(bind: &str, base: Option<&str>) -> ServeArgs {
        ServeArgs {
            bind: bind.into(),
            base_url: base.map(Into::into),
            demo: false,
            json_limit_kib: 256,
            pool_size: 4,
            smtp_url: None,
            mail_from: "barometer@example.org".into(),
            trust_forwarded_for: false,
            letter_limit_kib: 5120,
            membership_requests_per_hour: 5,
        }
    }

    #[test]
    fn the_base_url_follows_the_bound_port_unless_given() {
        assert_eq!(web(&args("127.0.0.1:0", None), Some(41234)).unwrap().base_url, "http://127.0.0.1:41234");
        assert_eq!(web(&args("0.0.0.0:8080", None), None).unwrap().base_url, "http://127.0.0.1:8080");
        assert_eq!(web(&args("127.0.0.1:0", Some("https://b.example.org/")), Some(1)).unwrap().base_url, "https://b.example.org");
        assert!(web(&args("127.0.0.1:0", Some("b.example.org")), Some(1)).is_err());
    }

    #[test]
    fn mail_settings_are_checked_before_serving() {
        let mut a = args("127.0.0.1:0", None);
        a.mail_from = "barometer@localhost".into();
        a.smtp_url = Some("smtp://127.0.0.1:2525".into());
        let config = web(&a, Some(1)).unwrap();
        assert_eq!((config.mail_from.as_str(), config.smtp_url.as_deref()), ("barometer@localhost", Some("smtp://127.0.0.1:2525")));
        a.smtp_url = Some("smtps://mail.example.org".into());
        assert!(web(&a, Some(1)).unwrap_err().to_string().contains("smtp://HOST:PORT"));
        a.smtp_url = None;
        a.mail_from = "Barometer <b@example.org>".into();
        assert!(web(&a, Some(1)).is_err());
    }

    #[test]
    fn unsupported_database_schemes_are_refused() {
        let message = database("mysql://x").unwrap_err().to_string();
        assert!(message.contains("sqlite://") && message.contains("postgres://"), "{message}");
    }
}
