/// What the web layer needs to know from the service's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Where to listen; port 0 picks a free port.
    pub bind: String,
    /// The service's public address, used for every absolute link; never taken from a
    /// request's Host header.
    pub base_url: String,
    /// Largest accepted JSON body, in bytes.
    pub json_limit: usize,
    /// How long a web session lasts, in hours.
    pub session_hours: i64,
    /// Take the client address from the first `X-Forwarded-For` entry (only behind a proxy
    /// that sets it); otherwise the peer address is used, which a client cannot forge.
    pub trust_forwarded_for: bool,
    /// `smtp://HOST:PORT` of a mail relay; without it email stays in the outbox.
    pub smtp_url: Option<String>,
    /// The sender address of email.
    pub mail_from: String,
    /// Largest accepted letter attached to an expression of interest, in bytes.
    pub letter_limit: usize,
    /// Expressions of interest accepted per client address per hour.
    pub membership_requests_per_hour: u32,
    /// Failed password sign-ins allowed per minute for one account, and for one client address.
    pub sign_in_failures_per_account: u32,
    pub sign_in_failures_per_address: u32,
}

impl WebConfig {
    pub fn new(bind: impl Into<String>, base_url: impl Into<String>) -> Self {
        WebConfig {
            bind: bind.into(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            json_limit: 256 * 1024,
            session_hours: 12,
            trust_forwarded_for: false,
            smtp_url: None,
            mail_from: "barometer@localhost".to_owned(),
            letter_limit: 5 * 1024 * 1024,
            membership_requests_per_hour: 5,
            sign_in_failures_per_account: 5,
            sign_in_failures_per_address: 30,
        }
    }

    /// Cookies are marked `Secure` when the service is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
