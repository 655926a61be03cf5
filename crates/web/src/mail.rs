//! Email delivery from the outbox over plain SMTP to a relay (`smtp://HOST[:PORT]`, e.g. the
//! host's own mail server or an organisation's internal relay). No TLS and no authentication:
//! a relay on the host or a trusted network does those; this keeps OpenSSL and a mail
//! library out of the build. Messages are UTF-8 text, base64-encoded, so no line of the body
//! can end the SMTP data early.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use barometer_store::{Pool, StoreError, notifications};
use base64::Engine;

/// Where to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
}

impl Smtp {
    /// Parses `smtp://HOST[:PORT]` (port 25 by default).
    pub fn parse(url: &str) -> Result<Smtp, String> {
        let rest = url.trim().strip_prefix("smtp://").ok_or_else(|| {
            format!("BAROMETER_SMTP_URL {url:?} must look like smtp://HOST:PORT (a relay without TLS or login, e.g. smtp://127.0.0.1:25)")
        })?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err("BAROMETER_SMTP_URL must not carry a user or password: barometer speaks plain SMTP to a trusted relay only".into());
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                (h.to_owned(), p.parse::<u16>().map_err(|_| format!("BAROMETER_SMTP_URL: {p:?} is not a port number"))?)
            }
            _ => (rest.to_owned(), 25),
        };
        if host.is_empty() {
            return Err("BAROMETER_SMTP_URL names no host".into());
        }
        Ok(Smtp { host: host.trim_matches(['[', ']']).to_owned(), port })
    }
}

fn reply(reader: &mut impl BufRead) -> Result<(u16, String), String> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).map_err(|e| format!("reading the SMTP reply: {e}"))? == 0 {
            return Err("the SMTP server closed the connection".into());
        }
        text.push_str(line.trim_end());
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok()).ok_or_else(|| format!("unexpected SMTP reply {line:?}"))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, text));
        }
        text.push(' ');
    }
}

fn expect(reader: &mut impl BufRead, ok: &[u16], step: &str) -> Result<(), String> {
    let (code, text) = reply(reader)?;
    if ok.contains(&code) { Ok(()) } else { Err(format!("{step}: the SMTP server answered {text}")) }
}

fn encoded_word(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(clean))
}

/// Sends one message; the error says which step failed.
pub fn send(smtp: &Smtp, from: &str, to: &str, subject: &str, body: &str) -> Result<(), String> {
    for address in [from, to] {
        if address.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>') {
            return Err(format!("{address:?} is not an email address"));
        }
    }
    let stream =
        TcpStream::connect((smtp.host.as_str(), smtp.port)).map_err(|e| format!("connecting to {}:{}: {e}", smtp.host, smtp.port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut say = |line: &str| writer.write_all(format!("{line}\r\n").as_bytes()).map_err(|e| format!("writing to the SMTP server: {e}"));
    expect(&mut reader, &[220], "greeting")?;
    say("EHLO barometer")?;
    expect(&mut reader, &[250], "EHLO")?;
    say(&format!("MAIL FROM:<{from}>"))?;
    expect(&mut reader, &[250], "MAIL FROM")?;
    say(&format!("RCPT TO:<{to}>"))?;
    expect(&mut reader, &[250, 251], "RCPT TO")?;
    say("DATA")?;
    expect(&mut reader, &[354], "DATA")?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(body.as_bytes());
    let mut message = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}@barometer>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        encoded_word(subject),
        chrono::Utc::now().to_rfc2822(),
        uuid_like(),
    );
    for chunk in encoded.as_bytes().chunks(76) {
        message.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        message.push_str("\r\n");
    }
    message.push('.');
    say(&message)?;
    expect(&mut reader, &[250], "end of DATA")?;
    say("QUIT")?;
    Ok(())
}

fn uuid_like() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What one round of delivery did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub failed: usize,
}

/// Delivers every pending message once, recording each attempt. Blocking: run it off the
/// actix workers (the sender thread does).
pub fn deliver_pending(pool: &Pool, smtp: &Smtp, from: &str) -> Result<Delivered, StoreError> {
    let mut conn = pool.get()?;
    let mut done = Delivered::default();
    for email in notifications::pending(&mut conn, 100)? {
        let result = send(smtp, from, &email.recipient, &email.subject, &email.body);
        if let Err(e) = &result {
            tracing::warn!(email = %email.id, error = %e, "email not delivered");
            done.failed += 1;
        } else {
            done.sent += 1;
        }
        notifications::record_attempt(&mut conn, &email.id, result, "system:mailer")?;
    }
    Ok(done)
}

/// Starts the background sender: every `every`, delivers what is pending. Several instances
/// may run one each; a message is then at worst sent twice, never lost.
pub fn spawn_sender(pool: Pool, smtp: Smtp, from: String, every: Duration) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("barometer-mailer".into()).spawn(move || {
        loop {
            match deliver_pending(&pool, &smtp, &from) {
                Ok(d) if d.sent + d.failed > 0 => tracing::info!(sent = d.sent, failed = d.failed, "outbox delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox delivery failed"),
            }
            std::thread::sleep(every);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_a_relay() {
        assert_eq!(Smtp::parse("smtp://127.0.0.1:2525").unwrap(), Smtp { host: "127.0.0.1".into(), port: 2525 });
        assert_eq!(Smtp::parse("smtp://mail.example.org").unwrap().port, 25);
        assert!(Smtp::parse("smtps://mail.example.org").is_err());
        assert!(Smtp::parse("smtp://user:pw@mail.example.org").is_err());
    }

    #[test]
    fn subjects_are_encoded_and_cannot_inject_headers() {
        let word = encoded_word("Request\r\nBcc: x@example.org");
        assert!(word.starts_with("=?UTF-8?B?") && !word.contains('\n'));
    }
}
