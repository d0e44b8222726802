//! Layers below memory as decisions over data: expiry envelopes, the read walk, promotion and
//! the per-key bookkeeping that keeps promotions and read-through loads from undoing writes.
//!
//! The JS side does the I/O (every layer call is a promise) and reports what each layer
//! answered; this module decides what that answer means and what to do next. Layers are
//! numbered as in telemetry: memory is 0, the configured layers 1, 2, … from the top.
//!
//! # Rules
//!
//! - A layer stores an envelope `{ v, exp }`; `exp` is the absolute expiry in ms since the
//!   epoch, or 0 for none. It is computed once, when the value is first written, and travels
//!   with the value: a promotion never extends it.
//! - An envelope with `now ≥ exp` is a miss and is removed from its layer; so is a record that
//!   is not an envelope (or whose `exp` is not a number ≥ 0): no layer serves a value past its
//!   TTL, and nothing unreadable lingers.
//! - A walk asks the layers top-down and stops at the first hit; the value is then promoted
//!   into memory and into every layer above the hit that did not fail during the walk, with
//!   the TTL that remains. A failing layer is skipped, never written to by a promotion.
//! - A promotion, or the caching of a loaded value, happens only when no write or delete of
//!   the key began since the read began (the key's generation is unchanged): a read that
//!   raced a write never puts the older value back.
//! - Concurrent `fetch` misses of one key share one load, as long as no write or delete of the
//!   key began since that load started; a later fetch starts a fresh load.

use std::collections::HashMap;
use std::hash::Hash;

/// The most layers below memory (layer masks are 32-bit, bit 0 being memory).
pub const MAX_LAYERS: usize = 16;

/// What a layer answered to a `get`, as the JS side classified it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Found {
    /// Nothing stored (`undefined` or `null`).
    Absent,
    /// An object with a value `v` and a numeric `exp`.
    Envelope {
        /// The absolute expiry in ms since the epoch, 0 for none.
        exp: f64,
    },
    /// Something that is not an envelope.
    NotAnEnvelope,
    /// The call rejected, threw, timed out or the layer is unavailable.
    Fault,
}

impl Found {
    /// The code the JS side sends: 0 absent, 1 envelope, 2 not an envelope, anything else a fault.
    pub fn from_code(kind: u32, exp: f64) -> Found {
        match kind {
            0 => Found::Absent,
            1 => Found::Envelope { exp },
            2 => Found::NotAnEnvelope,
            _ => Found::Fault,
        }
    }
}

/// What an answer means for the read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// A live value; `ttl_ms` is what remains of its TTL (infinite when it has none).
    Hit {
        /// Remaining TTL in ms, `f64::INFINITY` for no expiry.
        ttl_ms: f64,
        /// The envelope's absolute expiry, 0 for none.
        exp: f64,
    },
    /// Nothing there.
    Miss,
    /// An expired envelope: a miss, and the record is to be removed.
    Expired,
    /// A record that is not a valid envelope: a miss, to be removed, counted as an error.
    Corrupt,
    /// The layer failed: skipped, counted as an error.
    Fault,
}

impl Verdict {
    /// Whether the record is to be deleted from its layer.
    pub fn removes(self) -> bool {
        matches!(self, Verdict::Expired | Verdict::Corrupt)
    }

    /// Whether the layer is counted as having failed on this read.
    pub fn is_error(self) -> bool {
        matches!(self, Verdict::Corrupt | Verdict::Fault)
    }

    /// The number the JS side receives: the remaining TTL (≥ 0, `Infinity` for none) for a hit,
    /// -1 miss, -2 expired, -3 corrupt, -4 fault.
    pub fn code(self) -> f64 {
        match self {
            Verdict::Hit { ttl_ms, .. } => ttl_ms,
            Verdict::Miss => -1.0,
            Verdict::Expired => -2.0,
            Verdict::Corrupt => -3.0,
            Verdict::Fault => -4.0,
        }
    }
}

/// The absolute expiry of a value written at `now` with `ttl_ms` (0 or less: none, 0).
pub fn expires_at(now: f64, ttl_ms: f64) -> f64 {
    if super::store::has_ttl(ttl_ms) {
        now + ttl_ms
    } else {
        0.0
    }
}

/// What remains of the TTL of an envelope expiring at `exp`: `None` once expired (or when `exp`
/// is no valid expiry), `Some(INFINITY)` for no expiry.
pub fn remaining(exp: f64, now: f64) -> Option<f64> {
    if !exp.is_finite() || exp < 0.0 {
        None
    } else if exp == 0.0 {
        Some(f64::INFINITY)
    } else if now >= exp {
        None
    } else {
        Some(exp - now)
    }
}

/// Judges one answer at `now`.
pub fn judge(found: Found, now: f64) -> Verdict {
    match found {
        Found::Absent => Verdict::Miss,
        Found::Fault => Verdict::Fault,
        Found::NotAnEnvelope => Verdict::Corrupt,
        Found::Envelope { exp } if !exp.is_finite() || exp < 0.0 => Verdict::Corrupt,
        Found::Envelope { exp } => match remaining(exp, now) {
            Some(ttl_ms) => Verdict::Hit { ttl_ms, exp },
            None => Verdict::Expired,
        },
    }
}

/// Where a found value goes, and with how much TTL.
#[derive(Clone, Debug, PartialEq)]
pub struct Promotion {
    /// The TTL left, in ms; `INFINITY` for none.
    pub ttl_ms: f64,
    /// The absolute expiry to write into the layers, 0 for none.
    pub exp: f64,
    /// Bit `k` set: write into layer `k` (bit 0 is memory).
    pub into: u32,
}

/// One read's walk down the layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Walk {
    layers: usize,
    /// The layer to ask next (1-based); `layers + 1` when done.
    next: usize,
    /// Bit `k`: layer `k` failed during this walk.
    faulted: u32,
    /// Bit `k`: the record in layer `k` is to be removed.
    remove: u32,
    /// The layer that hit and its envelope's expiry.
    hit: Option<(usize, f64)>,
    /// The key's generation when the read began.
    generation: u64,
}

impl Walk {
    /// A walk over `layers` layers (at most [`MAX_LAYERS`]) for a read that began at
    /// `generation` of its key.
    pub fn new(layers: usize, generation: u64) -> Walk {
        Walk {
            layers: layers.min(MAX_LAYERS),
            next: 1,
            faulted: 0,
            remove: 0,
            hit: None,
            generation,
        }
    }

    /// The layer to ask next, or `None` when the walk is over (a hit or no layer left).
    pub fn next_layer(&self) -> Option<usize> {
        (self.hit.is_none() && self.next <= self.layers).then_some(self.next)
    }

    /// Takes the answer of the layer [`Walk::next_layer`] named and moves on.
    pub fn observe(&mut self, found: Found, now: f64) -> Verdict {
        let Some(layer) = self.next_layer() else {
            return Verdict::Miss;
        };
        let verdict = judge(found, now);
        let bit = 1u32 << layer;
        match verdict {
            Verdict::Hit { exp, .. } => self.hit = Some((layer, exp)),
            Verdict::Fault => self.faulted |= bit,
            Verdict::Expired | Verdict::Corrupt => self.remove |= bit,
            Verdict::Miss => {}
        }
        self.next = layer + 1;
        verdict
    }

    /// The layer that hit, if any.
    pub fn hit_layer(&self) -> Option<usize> {
        self.hit.map(|(l, _)| l)
    }

    /// The layers that failed during the walk, as a mask.
    pub fn faulted(&self) -> u32 {
        self.faulted
    }

    /// The layers whose record is to be removed (expired or corrupt), as a mask.
    pub fn removals(&self) -> u32 {
        self.remove
    }

    /// The key's generation when the read began.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Where the hit is promoted at `now`: memory and the layers above the hit that did not
    /// fail. `None` when nothing hit, when the key was written or deleted since the read
    /// began (`current` false), or when the value expired while the walk ran.
    pub fn promotion(&self, now: f64, current: bool) -> Option<Promotion> {
        let (layer, exp) = self.hit?;
        if !current {
            return None;
        }
        let ttl_ms = remaining(exp, now)?;
        let above = (1u32 << layer) - 1;
        Some(Promotion {
            ttl_ms,
            exp,
            into: above & !self.faulted,
        })
    }
}

/// Whether a fetch leads a new load or follows one in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Start the load with this flight id.
    Lead(u32),
    /// Wait for the load with this flight id.
    Follow(u32),
}

#[derive(Clone, Debug, Default)]
struct KeyState {
    generation: u64,
    /// Async operations of the key in progress.
    active: u32,
    /// The load in flight: its id and the generation it started at.
    flight: Option<(u32, u64)>,
}

/// Per-key generations and loads in flight, kept only while a key has async work in progress.
#[derive(Clone, Debug)]
pub struct Keyed<K> {
    keys: HashMap<K, KeyState>,
    next_flight: u32,
}

impl<K> Default for Keyed<K> {
    fn default() -> Self {
        Keyed {
            keys: HashMap::new(),
            next_flight: 1,
        }
    }
}

impl<K: Eq + Hash + Clone> Keyed<K> {
    /// Empty.
    pub fn new() -> Keyed<K> {
        Keyed::default()
    }

    /// A read of `key` begins; returns the generation it reads at. Pair with [`Keyed::end`].
    pub fn begin_read(&mut self, key: &K) -> u64 {
        let s = self.keys.entry(key.clone()).or_default();
        s.active = s.active.saturating_add(1);
        s.generation
    }

    /// A write or delete of `key` begins: reads and loads that began before it lose the right
    /// to store what they found. Pair with [`Keyed::end`].
    pub fn begin_write(&mut self, key: &K) -> u64 {
        let s = self.keys.entry(key.clone()).or_default();
        s.active = s.active.saturating_add(1);
        s.generation = s.generation.wrapping_add(1);
        s.generation
    }

    /// A synchronous write of `key` happened: only matters while async work on it is in progress.
    pub fn touched(&mut self, key: &K) {
        if let Some(s) = self.keys.get_mut(key) {
            s.generation = s.generation.wrapping_add(1);
        }
    }

    /// Every key was written at once (`clear`): reads and loads in progress may not store what
    /// they found, and a fetch from now on starts a load of its own.
    pub fn touched_all(&mut self) {
        for s in self.keys.values_mut() {
            s.generation = s.generation.wrapping_add(1);
        }
    }

    /// Whether `key` is still at `generation`.
    pub fn current(&self, key: &K, generation: u64) -> bool {
        self.keys
            .get(key)
            .is_some_and(|s| s.generation == generation)
    }

    /// An operation begun with `begin_read` or `begin_write` is over.
    pub fn end(&mut self, key: &K) {
        if let Some(s) = self.keys.get_mut(key) {
            s.active = s.active.saturating_sub(1);
            if s.active == 0 && s.flight.is_none() {
                self.keys.remove(key);
            }
        }
    }

    /// A fetch of `key` wants its value: follow the load in flight when it started at the
    /// key's current generation, else lead a new one (which replaces an outdated one as the
    /// load later fetches follow). Pair a lead with [`Keyed::land`].
    pub fn join(&mut self, key: &K) -> Role {
        let id = self.next_flight;
        let s = self.keys.entry(key.clone()).or_default();
        if let Some((flight, generation)) = s.flight {
            if generation == s.generation {
                return Role::Follow(flight);
            }
        }
        s.flight = Some((id, s.generation));
        self.next_flight = self.next_flight.wrapping_add(1).max(1);
        Role::Lead(id)
    }

    /// The generation a flight started at, when it is the key's flight.
    pub fn flight_generation(&self, key: &K, id: u32) -> Option<u64> {
        let (flight, generation) = self.keys.get(key)?.flight?;
        (flight == id).then_some(generation)
    }

    /// Load `id` of `key` is over. Returns whether its value may be stored: no write or delete
    /// of the key began since it started. Only a successful load should store.
    pub fn land(&mut self, key: &K, id: u32) -> bool {
        let Some(s) = self.keys.get_mut(key) else {
            return false;
        };
        let Some((flight, generation)) = s.flight else {
            return false;
        };
        if flight != id {
            // A newer load replaced this one; this one's value is outdated.
            return false;
        }
        s.flight = None;
        let fresh = generation == s.generation;
        if s.active == 0 {
            self.keys.remove(key);
        }
        fresh
    }

    /// Keys with async work or a load in progress.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key has async work in progress.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests;
