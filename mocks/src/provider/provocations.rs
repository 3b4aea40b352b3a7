//! Situations a conformant provider may put a client in, and a conformant client must handle: not faults (the
//! provider breaks no rule), so they are not in the fault catalogue and never change a provider run. They are
//! switched on for consumer conformance (`clr-harness consumer --provoke NAME`), where the consumer checks judge how
//! the client reacted.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

/// API requests one access token serves under [`Provocation::TokenExpiry`] before it expires.
pub const TOKEN_USES: u32 = 2;
/// The `Retry-After` (seconds) of the one 429 under [`Provocation::Throttle`].
pub const RETRY_AFTER_SECS: u64 = 1;

/// One situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provocation {
    /// getCredentials pages hold one credential whatever `limit` asks: a client must follow `Link` rel=next.
    SmallPages,
    /// Each access token serves [`TOKEN_USES`] API requests, then answers 401 `invalid_token`: a client must use
    /// its refresh token, not a new authorization.
    TokenExpiry,
    /// The first getCredentials request answers 429 with `Retry-After`: a client must wait that long.
    Throttle,
}

impl Provocation {
    pub const ALL: [Provocation; 3] = [Provocation::SmallPages, Provocation::TokenExpiry, Provocation::Throttle];

    pub fn name(self) -> &'static str {
        match self {
            Provocation::SmallPages => "small-pages",
            Provocation::TokenExpiry => "token-expiry",
            Provocation::Throttle => "throttle",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Provocation::SmallPages => "getCredentials pages hold one credential; the client must follow Link rel=next",
            Provocation::TokenExpiry => {
                "each access token serves two API requests, then 401 invalid_token; the client must refresh"
            }
            Provocation::Throttle => {
                "the first getCredentials answers 429 with Retry-After: 1; the client must wait before retrying"
            }
        }
    }

    pub fn parse(name: &str) -> Option<Provocation> {
        Provocation::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Provocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The provocations in force and their state.
#[derive(Debug, Default)]
pub struct Provoked {
    on: RwLock<BTreeSet<Provocation>>,
    /// API requests served per access token (token-expiry).
    uses: Mutex<HashMap<String, u32>>,
    /// Whether the one 429 was sent (throttle).
    throttled: AtomicBool,
}

impl Provoked {
    pub fn switch_on(&self, p: Provocation) {
        if let Ok(mut on) = self.on.write() {
            on.insert(p);
        }
    }

    pub fn has(&self, p: Provocation) -> bool {
        self.on.read().is_ok_and(|on| on.contains(&p))
    }

    /// Counts one API request on `token`: whether the token has now served more than [`TOKEN_USES`] (expired).
    pub fn token_spent(&self, token: &str) -> bool {
        if !self.has(Provocation::TokenExpiry) {
            return false;
        }
        let Ok(mut uses) = self.uses.lock() else { return false };
        // Bounded like the store: tokens beyond the provider's own caps are not counted forever.
        if uses.len() > 10_000 {
            uses.clear();
        }
        let n = uses.entry(token.to_string()).or_insert(0);
        *n += 1;
        *n > TOKEN_USES
    }

    /// Whether this getCredentials request is the one to throttle (the first, once).
    pub fn throttle_now(&self) -> bool {
        self.has(Provocation::Throttle) && !self.throttled.swap(true, Ordering::SeqCst)
    }
}
