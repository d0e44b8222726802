//! Cumulative counters beside the store's `Counts`: layer lookups and errors by type and scope.

use crate::core::store::Counts;

/// A kind of error the cache counts. Names are the keys of `errors.by_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorType {
    /// A call with an invalid key, value or option.
    BadInput,
    /// A layer's `get`, `set` or `delete` failed or timed out.
    Layer,
    /// A `fetch` loader threw or rejected.
    Loader,
    /// Sending a frame to the export endpoint failed.
    Export,
    /// An alert handler threw.
    AlertHandler,
    /// A metrics subscriber threw.
    Subscriber,
    /// Anything else.
    Internal,
}

impl ErrorType {
    /// Every type, in output order.
    pub const ALL: [ErrorType; 7] = [
        ErrorType::BadInput,
        ErrorType::Layer,
        ErrorType::Loader,
        ErrorType::Export,
        ErrorType::AlertHandler,
        ErrorType::Subscriber,
        ErrorType::Internal,
    ];

    /// The number of types.
    pub const COUNT: usize = ErrorType::ALL.len();

    /// The name in stats and exports.
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::BadInput => "bad_input",
            ErrorType::Layer => "layer",
            ErrorType::Loader => "loader",
            ErrorType::Export => "export",
            ErrorType::AlertHandler => "alert_handler",
            ErrorType::Subscriber => "subscriber",
            ErrorType::Internal => "internal",
        }
    }

    /// The type named `s`, if any.
    pub fn parse(s: &str) -> Option<ErrorType> {
        ErrorType::ALL.into_iter().find(|t| t.name() == s)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Lookups in one layer below memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LayerCounts {
    /// Lookups that reached the layer.
    pub gets: u64,
    /// Lookups the layer answered with a value.
    pub hits: u64,
    /// Lookups it did not.
    pub misses: u64,
}

/// Everything counted, as totals since creation or as the difference of two totals.
///
/// Errors are kept per scope: scope 0 is the cache itself (export, handlers, subscribers),
/// scope 1 the memory layer, scope `1 + k` the layer at index `k` (1-based, see
/// [`super::MEMORY`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// The store's counts (the memory layer).
    pub counts: Counts,
    /// Lookups per named layer, in configured order.
    pub layers: Vec<LayerCounts>,
    /// Errors, `ErrorType::COUNT` per scope.
    pub errors: Vec<u64>,
}

impl Tally {
    /// All zero, for `layers` named layers.
    pub fn new(layers: usize) -> Tally {
        Tally {
            counts: Counts::default(),
            layers: vec![LayerCounts::default(); layers],
            errors: vec![0; (layers + 2) * ErrorType::COUNT],
        }
    }

    /// Copies `other` into `self`, reusing memory.
    pub fn copy_from(&mut self, other: &Tally) {
        self.counts.clone_from(&other.counts);
        self.layers.clone_from(&other.layers);
        self.errors.clone_from(&other.errors);
    }

    /// Counts one error; an unknown scope counts as the cache's.
    pub fn add_error(&mut self, layer: Option<usize>, ty: ErrorType) {
        let scope = match layer {
            Some(l) if l < self.layers.len() + 1 => l + 1,
            _ => 0,
        };
        if let Some(e) = self.errors.get_mut(scope * ErrorType::COUNT + ty.index()) {
            *e = e.saturating_add(1);
        }
    }

    /// Counts one lookup in named layer `layer` (1-based); others are ignored.
    pub fn add_layer_get(&mut self, layer: usize, hit: bool) {
        if let Some(l) = layer.checked_sub(1).and_then(|k| self.layers.get_mut(k)) {
            l.gets = l.gets.saturating_add(1);
            if hit {
                l.hits = l.hits.saturating_add(1);
            } else {
                l.misses = l.misses.saturating_add(1);
            }
        }
    }

    /// Lookups of named layer `layer` (1-based); zero for memory or an unknown index.
    pub fn layer(&self, layer: usize) -> LayerCounts {
        layer
            .checked_sub(1)
            .and_then(|k| self.layers.get(k))
            .copied()
            .unwrap_or_default()
    }

    /// Errors of `ty` in `layer` (0 = memory), or of the cache itself for `None`.
    pub fn error(&self, layer: Option<usize>, ty: ErrorType) -> u64 {
        let scope = layer.map_or(0, |l| l.saturating_add(1));
        self.errors
            .get(scope.saturating_mul(ErrorType::COUNT) + ty.index())
            .copied()
            .unwrap_or(0)
    }

    /// Errors of `ty` in every scope.
    pub fn error_by_type(&self, ty: ErrorType) -> u64 {
        self.errors
            .iter()
            .skip(ty.index())
            .step_by(ErrorType::COUNT)
            .sum()
    }

    /// Errors of every type in `layer` (0 = memory).
    pub fn errors_in(&self, layer: usize) -> u64 {
        ErrorType::ALL
            .iter()
            .map(|&t| self.error(Some(layer), t))
            .sum()
    }

    /// Every error counted.
    pub fn errors_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// What was counted after `base`, an earlier copy of the same totals.
    pub fn since(&self, base: &Tally) -> Tally {
        Tally {
            counts: counts_since(&self.counts, &base.counts),
            layers: self
                .layers
                .iter()
                .enumerate()
                .map(|(k, l)| {
                    let b = base.layers.get(k).copied().unwrap_or_default();
                    LayerCounts {
                        gets: l.gets.saturating_sub(b.gets),
                        hits: l.hits.saturating_sub(b.hits),
                        misses: l.misses.saturating_sub(b.misses),
                    }
                })
                .collect(),
            errors: self
                .errors
                .iter()
                .enumerate()
                .map(|(k, &e)| e.saturating_sub(base.errors.get(k).copied().unwrap_or(0)))
                .collect(),
        }
    }
}

/// The store's counts made after `base`, an earlier copy of the same totals.
pub fn counts_since(now: &Counts, base: &Counts) -> Counts {
    let mut removals = [0u64; 6];
    for ((r, &n), &b) in removals.iter_mut().zip(&now.removals).zip(&base.removals) {
        *r = n.saturating_sub(b);
    }
    Counts {
        gets: now.gets.saturating_sub(base.gets),
        hits: now.hits.saturating_sub(base.hits),
        misses: now.misses.saturating_sub(base.misses),
        sets: now.sets.saturating_sub(base.sets),
        deletes: now.deletes.saturating_sub(base.deletes),
        removals,
        expired_unread: now.expired_unread.saturating_sub(base.expired_unread),
        ttl_sets: now.ttl_sets.saturating_sub(base.ttl_sets),
        ttl_sum_us: now.ttl_sum_us.saturating_sub(base.ttl_sum_us),
        ttl_hits: now.ttl_hits.saturating_sub(base.ttl_hits),
        ttl_remaining_sum_us: now
            .ttl_remaining_sum_us
            .saturating_sub(base.ttl_remaining_sum_us),
    }
}

#[cfg(test)]
impl Tally {
    /// The sum of two tallies of the same shape (to check that windows add up).
    pub(crate) fn plus(&self, other: &Tally) -> Tally {
        let mut out = self.clone();
        let (c, o) = (&mut out.counts, &other.counts);
        c.gets += o.gets;
        c.hits += o.hits;
        c.misses += o.misses;
        c.sets += o.sets;
        c.deletes += o.deletes;
        for (a, b) in c.removals.iter_mut().zip(o.removals) {
            *a += b;
        }
        c.expired_unread += o.expired_unread;
        c.ttl_sets += o.ttl_sets;
        c.ttl_sum_us += o.ttl_sum_us;
        c.ttl_hits += o.ttl_hits;
        c.ttl_remaining_sum_us += o.ttl_remaining_sum_us;
        for (a, b) in out.layers.iter_mut().zip(&other.layers) {
            a.gets += b.gets;
            a.hits += b.hits;
            a.misses += b.misses;
        }
        for (a, b) in out.errors.iter_mut().zip(&other.errors) {
            *a += b;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in ErrorType::ALL {
            assert_eq!(ErrorType::parse(t.name()), Some(t));
        }
        assert_eq!(ErrorType::parse("nope"), None);
    }

    #[test]
    fn errors_by_scope_and_type() {
        let mut t = Tally::new(2);
        t.add_error(None, ErrorType::Export);
        t.add_error(Some(0), ErrorType::BadInput);
        t.add_error(Some(2), ErrorType::Layer);
        t.add_error(Some(2), ErrorType::Layer);
        t.add_error(Some(9), ErrorType::Internal); // Unknown layer: counted for the cache.
        assert_eq!(t.errors_total(), 5);
        assert_eq!(t.error(None, ErrorType::Export), 1);
        assert_eq!(t.error(None, ErrorType::Internal), 1);
        assert_eq!(t.error(Some(0), ErrorType::BadInput), 1);
        assert_eq!(t.errors_in(2), 2);
        assert_eq!(t.errors_in(1), 0);
        assert_eq!(t.error_by_type(ErrorType::Layer), 2);
        t.add_layer_get(1, true);
        t.add_layer_get(1, false);
        t.add_layer_get(0, true); // Memory is counted by the store.
        t.add_layer_get(3, true); // No such layer.
        assert_eq!(
            t.layer(1),
            LayerCounts {
                gets: 2,
                hits: 1,
                misses: 1
            }
        );
        assert_eq!(t.layer(2), LayerCounts::default());
    }

    #[test]
    fn since_and_plus_are_inverse() {
        let mut a = Tally::new(1);
        a.counts.gets = 5;
        a.counts.removals[2] = 3;
        a.counts.ttl_sum_us = 1_500;
        a.add_error(None, ErrorType::Subscriber);
        let mut b = a.clone();
        b.counts.gets = 9;
        b.counts.ttl_sum_us = 4_000;
        b.add_layer_get(1, false);
        b.add_error(Some(1), ErrorType::Layer);
        let d = b.since(&a);
        assert_eq!(d.counts.gets, 4);
        assert_eq!(d.counts.removals[2], 0);
        assert_eq!(d.errors_total(), 1);
        assert_eq!(d.layer(1).misses, 1);
        assert_eq!(a.plus(&d), b);
    }
}
