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
}

impl WebConfig {
    pub fn new(bind: impl Into<String>, base_url: impl Into<String>) -> Self {
        WebConfig {
            bind: bind.into(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            json_limit: 256 * 1024,
            session_hours: 12,
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
