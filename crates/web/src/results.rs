//! Results for the web: computed off the actix workers, cached per cycle and language, and
//! invalidated by any change to what they depend on. The cache checks the cycle's fingerprint
//! (one small query) on every read, so no instance ever serves results older than the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use actix_web::web::Bytes;

use barometer_analytics::CycleData;
use barometer_domain::results::{Comparison, Headline, PrioritiesTable, RegionsTable, Stability};
use barometer_domain::{CycleLabel, Lang, Role};

use crate::auth::Credential;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A fixed seed: the stability figures of a cycle are the same on every instance and every run.
pub const STABILITY_SEED: u64 = 20_250_101;

/// Everything computed for one cycle in one language.
pub struct CycleResults {
    pub priorities: PrioritiesTable,
    pub regions: RegionsTable,
    pub headline: Headline,
    pub stability: Stability,
    /// The questionnaire's regions (the map labels them).
    pub data: Arc<CycleData>,
    /// Each table's JSON body, made on first use: cached reads send the same bytes again.
    pub json: JsonBodies,
}

/// The JSON bodies of a [`CycleResults`], one per table.
#[derive(Default)]
pub struct JsonBodies {
    pub priorities: OnceLock<Bytes>,
    pub regions: OnceLock<Bytes>,
    pub stability: OnceLock<Bytes>,
    pub headline: OnceLock<Bytes>,
}

/// `value` as JSON, serialised once into `slot` and reused after.
pub fn json_body<T: serde::Serialize>(slot: &OnceLock<Bytes>, value: &T) -> Result<Bytes, ApiError> {
    if let Some(body) = slot.get() {
        return Ok(body.clone());
    }
    let body = Bytes::from(serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("serialising results: {e}")))?);
    Ok(slot.get_or_init(|| body).clone())
}

type Entry<V> = (String, Arc<V>);

/// Computed values by key, each valid for one fingerprint.
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: std::hash::Hash + Eq + Clone, V> Default for Cache<K, V> {
    fn default() -> Self {
        Cache { entries: Mutex::new(HashMap::new()) }
    }
}

impl<K: std::hash::Hash + Eq + Clone, V> Cache<K, V> {
    /// The cached value if it was computed for this fingerprint.
    pub fn get(&self, key: &K, fingerprint: &str) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(fp, _)| fp == fingerprint).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: K, fingerprint: String, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // A bound, not an eviction policy: a few cycles × languages × charts fit many times over.
        if entries.len() >= 1024 {
            entries.clear();
        }
        entries.insert(key, (fingerprint, value));
    }
}

/// The caches of one process.
#[derive(Default)]
pub struct ResultsCaches {
    pub cycles: Cache<(CycleLabel, Lang), CycleResults>,
    pub comparisons: Cache<(CycleLabel, CycleLabel, Lang), Comparison>,
    pub charts: Cache<String, Vec<u8>>,
}

fn analytics_error(e: barometer_analytics::AnalyticsError) -> ApiError {
    ApiError::internal(format!("analytics: {e}"))
}

/// The current fingerprint of a cycle, or 404.
pub async fn fingerprint(state: &AppState, label: &CycleLabel) -> Result<String, ApiError> {
    let l = label.clone();
    state
        .db(move |conn| barometer_store::responses::results_fingerprint(conn, &l))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {label}")))
}

/// Checks `credential` and the caller's role, then reads the fingerprint of cycle `label`
/// (parsed by the caller; its error is answered only once the caller may read results at all):
/// the path of every cached read. The check and the fingerprint are one trip to the database,
/// shared by every read waiting at the time (on PostgreSQL one statement for all of them; see
/// [`AppState::check`]). Answers the label and its fingerprint.
pub async fn authorise(
    state: &AppState,
    credential: Credential,
    roles: &'static [Role],
    label: Result<CycleLabel, ApiError>,
) -> Result<(CycleLabel, String), ApiError> {
    let label = match label {
        Ok(label) => label,
        Err(e) => {
            // No cycle to read: the caller is still checked first, so that a bad label tells
            // nothing to a caller who may not read results.
            let caller = credential.check(state).await?;
            caller.require(roles)?;
            return Err(e);
        }
    };
    let (caller, fp) = credential.check_with_fingerprint(state, label.clone()).await?;
    // The fingerprint goes no further unless the caller may read results.
    caller?.require(roles)?;
    let fp = fp.ok_or_else(|| ApiError::not_found(format!("cycle {label}")))?;
    Ok((label, fp))
}

/// A cycle's results in `lang`, from the cache when still valid.
pub async fn cycle(state: &AppState, label: &CycleLabel, lang: Lang) -> Result<(String, Arc<CycleResults>), ApiError> {
    let fp = fingerprint(state, label).await?;
    cycle_at(state, label, lang, fp).await
}

/// A cycle's results in `lang` for fingerprint `fp`, just read: from the cache when computed
/// for that fingerprint, computed now otherwise.
pub async fn cycle_at(state: &AppState, label: &CycleLabel, lang: Lang, fp: String) -> Result<(String, Arc<CycleResults>), ApiError> {
    let key = (label.clone(), lang);
    if let Some(hit) = state.results.cycles.get(&key, &fp) {
        return Ok((fp, hit));
    }
    let l = label.clone();
    let data = state
        .db(move |conn| barometer_store::cycle_data::load(conn, &l))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("cycle {label}")))?;
    let computed = state
        .compute(move || -> Result<CycleResults, barometer_analytics::AnalyticsError> {
            Ok(CycleResults {
                priorities: barometer_analytics::priorities(&data, lang)?,
                regions: barometer_analytics::regions(&data, lang)?,
                headline: barometer_analytics::headline(&data),
                stability: barometer_analytics::stability(&data, barometer_analytics::DEFAULT_RESAMPLES, STABILITY_SEED, lang)?,
                data: Arc::new(data),
                json: JsonBodies::default(),
            })
        })
        .await?
        .map_err(analytics_error)?;
    let value = Arc::new(computed);
    state.results.cycles.put(key, fp.clone(), value.clone());
    Ok((fp, value))
}

/// The year-over-year comparison of two cycles in `lang`.
pub async fn comparison(state: &AppState, from: &CycleLabel, to: &CycleLabel, lang: Lang) -> Result<(String, Arc<Comparison>), ApiError> {
    let fp = format!("{}/{}", fingerprint(state, from).await?, fingerprint(state, to).await?);
    let key = (from.clone(), to.clone(), lang);
    if let Some(hit) = state.results.comparisons.get(&key, &fp) {
        return Ok((fp, hit));
    }
    let (f, t) = (from.clone(), to.clone());
    let (a, b) =
        state.db(move |conn| Ok((barometer_store::cycle_data::load(conn, &f)?, barometer_store::cycle_data::load(conn, &t)?))).await?;
    let (Some(a), Some(b)) = (a, b) else {
        return Err(ApiError::not_found(format!("cycle {from} or {to}")));
    };
    let computed = state.compute(move || barometer_analytics::compare(&a, &b, lang)).await?.map_err(analytics_error)?;
    let value = Arc::new(computed);
    state.results.comparisons.put(key, fp.clone(), value.clone());
    Ok((fp, value))
}

/// Parses `?lang=`, falling back to the interface language.
pub fn lang(requested: Option<&str>, fallback: Lang) -> Result<Lang, ApiError> {
    match requested {
        None | Some("") => Ok(fallback),
        Some(code) => Lang::parse(code)
            .ok_or_else(|| ApiError::new(ErrorCode::MalformedRequest, format!("unknown language {code:?}: use en, fr, ar or ru"))),
    }
}
