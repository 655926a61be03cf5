//! Callers held for writes made without reading first (PostgreSQL only).
//!
//! An unkeyed submission reads the caller's token, the cycle, the assembly and the stored
//! response in one batched statement, then writes in another ([`crate::survey::write_after`]).
//! After such a write succeeds, this instance holds what its checks rested on: the token's
//! principal, the cycle and the assembly as read (the response itself is held by
//! [`barometer_store::responses::ListsCache`]). The next submission through the same token, to
//! the same response, makes every check from that, builds its amendment, and writes it guarded
//! by all of it ([`barometer_store::responses::Guard`]): one trip to the database instead of
//! two.
//!
//! Nothing held is ever answered but a success that the database itself confirmed. When the
//! held data say no (a role, a closed window, an invalid body, a version conflict) or the
//! guarded write finds anything changed (a revoked or expired token, a cycle closed or moved, an
//! assembly's dates, a response written elsewhere, an activity's status set by the
//! Secretariat), the submission is made again the full way, which reads afresh and gives the
//! answer it always gave. So what another instance changes is seen at once, as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use barometer_domain::{Assembly, AssemblyCode, CycleLabel};
use barometer_store::auth::Principal;
use barometer_store::cycles::StoredCycle;

/// What a submission's checks rested on, as read by the last full write through this token.
#[derive(Debug, Clone)]
pub struct Held {
    pub principal: Principal,
    pub cycle: Arc<StoredCycle>,
    pub member: Assembly,
}

/// Held callers by token hash, cycle and assembly, with counts of how often they served.
#[derive(Debug, Default)]
pub struct HeldCallers {
    entries: Mutex<HashMap<Key, Held>>,
    written: AtomicU64,
    fell_back: AtomicU64,
}

/// A token's hash (never the token), the cycle and the assembly.
type Key = (String, CycleLabel, AssemblyCode);

/// How often held callers served, since the service started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldStats {
    /// Submissions written from held data, confirmed by their guarded write.
    pub written: u64,
    /// Submissions that found held data and were made again the full way.
    pub fell_back: u64,
}

impl HeldCallers {
    /// At most this many callers are held; when it is full, it starts again empty. Each focal
    /// point has a link or two per cycle: some dozens, not thousands.
    const CAPACITY: usize = 4096;

    fn entries(&self) -> MutexGuard<'_, HashMap<Key, Held>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, token_hash: &str, cycle: &CycleLabel, assembly: &AssemblyCode) -> Option<Held> {
        self.entries().get(&(token_hash.to_owned(), cycle.clone(), assembly.clone())).cloned()
    }

    pub fn put(&self, token_hash: String, cycle: CycleLabel, assembly: AssemblyCode, held: Held) {
        let mut entries = self.entries();
        let key = (token_hash, cycle, assembly);
        if entries.len() >= Self::CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, held);
    }

    /// Forgets a held caller whose guarded write found something changed: the full write that
    /// follows holds it again if it succeeds.
    pub fn forget(&self, token_hash: &str, cycle: &CycleLabel, assembly: &AssemblyCode) {
        self.entries().remove(&(token_hash.to_owned(), cycle.clone(), assembly.clone()));
    }

    pub(crate) fn count(&self, written: bool) {
        let counter = if written { &self.written } else { &self.fell_back };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn stats(&self) -> HeldStats {
        HeldStats { written: self.written.load(Ordering::Relaxed), fell_back: self.fell_back.load(Ordering::Relaxed) }
    }
}
