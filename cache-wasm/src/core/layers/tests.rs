//! Tests of the layer decisions with a manual clock: envelopes, walks, promotion, expiry, coalescing.

use std::collections::HashMap;

use super::*;

const T0: f64 = 1_700_000_000_000.0;

/// What a fake layer holds for a key: a well-formed envelope or junk.
#[derive(Clone, Debug, PartialEq)]
enum Record {
    Envelope(&'static str, f64),
    Junk,
}

/// An in-memory layer; `down` makes every call fail (fault injection).
#[derive(Default)]
struct FakeLayer {
    map: HashMap<String, Record>,
    down: bool,
}

/// Memory plus fake layers, driven only through the module's decisions.
struct Tiers {
    memory: HashMap<String, (&'static str, f64)>,
    layers: Vec<FakeLayer>,
    keyed: Keyed<String>,
}

impl Tiers {
    fn new(n: usize) -> Tiers {
        Tiers {
            memory: HashMap::new(),
            layers: (0..n).map(|_| FakeLayer::default()).collect(),
            keyed: Keyed::new(),
        }
    }

    fn read_layer(&self, layer: usize, key: &str) -> Found {
        let l = &self.layers[layer - 1];
        if l.down {
            return Found::Fault;
        }
        match l.map.get(key) {
            None => Found::Absent,
            Some(Record::Envelope(_, exp)) => Found::Envelope { exp: *exp },
            Some(Record::Junk) => Found::NotAnEnvelope,
        }
    }

    /// getAsync: memory, then the walk; returns the value and the walk.
    fn get(&mut self, key: &str, now: f64) -> (Option<&'static str>, Walk) {
        let k = key.to_string();
        let generation = self.keyed.begin_read(&k);
        let mut walk = Walk::new(self.layers.len(), generation);
        if let Some((v, exp)) = self.memory.get(key).copied() {
            if remaining(exp, now).is_some() {
                self.keyed.end(&k);
                return (Some(v), walk);
            }
            self.memory.remove(key);
        }
        let mut value = None;
        while let Some(layer) = walk.next_layer() {
            let found = self.read_layer(layer, key);
            if let Verdict::Hit { .. } = walk.observe(found, now) {
                if let Some(Record::Envelope(v, _)) = self.layers[layer - 1].map.get(key) {
                    value = Some(*v);
                }
            }
        }
        for layer in 1..=self.layers.len() {
            if walk.removals() & (1 << layer) != 0 {
                self.layers[layer - 1].map.remove(key);
            }
        }
        if let (Some(v), Some(p)) = (
            value,
            walk.promotion(now, self.keyed.current(&k, generation)),
        ) {
            self.promote(key, v, &p);
        }
        self.keyed.end(&k);
        (value, walk)
    }

    fn promote(&mut self, key: &str, v: &'static str, p: &Promotion) {
        if p.into & 1 != 0 {
            self.memory.insert(key.to_string(), (v, p.exp));
        }
        for layer in 1..=self.layers.len() {
            if p.into & (1 << layer) != 0 {
                self.layers[layer - 1]
                    .map
                    .insert(key.to_string(), Record::Envelope(v, p.exp));
            }
        }
    }

    /// setAsync: memory and every layer; the layers that are down refuse.
    fn set(&mut self, key: &str, v: &'static str, ttl: f64, now: f64) -> Result<(), Vec<usize>> {
        let k = key.to_string();
        self.keyed.begin_write(&k);
        let exp = expires_at(now, ttl);
        self.memory.insert(k.clone(), (v, exp));
        let mut refused = Vec::new();
        for (i, l) in self.layers.iter_mut().enumerate() {
            if l.down {
                refused.push(i + 1);
            } else {
                l.map.insert(k.clone(), Record::Envelope(v, exp));
            }
        }
        self.keyed.end(&k);
        if refused.is_empty() {
            Ok(())
        } else {
            Err(refused)
        }
    }

    fn delete(&mut self, key: &str) {
        let k = key.to_string();
        self.keyed.begin_write(&k);
        self.memory.remove(key);
        for l in &mut self.layers {
            l.map.remove(key);
        }
        self.keyed.end(&k);
    }
}

#[test]
fn envelopes_are_judged_by_absolute_expiry() {
    assert_eq!(expires_at(T0, 0.0), 0.0);
    assert_eq!(expires_at(T0, -5.0), 0.0);
    assert_eq!(expires_at(T0, f64::NAN), 0.0);
    assert_eq!(expires_at(T0, 250.0), T0 + 250.0);
    assert_eq!(
        judge(Found::Envelope { exp: 0.0 }, T0),
        Verdict::Hit {
            ttl_ms: f64::INFINITY,
            exp: 0.0
        }
    );
    assert_eq!(
        judge(Found::Envelope { exp: T0 + 10.0 }, T0),
        Verdict::Hit {
            ttl_ms: 10.0,
            exp: T0 + 10.0
        }
    );
    // Expiry is `now ≥ exp`, as in memory.
    assert_eq!(judge(Found::Envelope { exp: T0 }, T0), Verdict::Expired);
    assert_eq!(
        judge(Found::Envelope { exp: T0 - 1.0 }, T0),
        Verdict::Expired
    );
    for exp in [f64::NAN, f64::INFINITY, -1.0] {
        assert_eq!(judge(Found::Envelope { exp }, T0), Verdict::Corrupt);
    }
    assert_eq!(judge(Found::NotAnEnvelope, T0), Verdict::Corrupt);
    assert_eq!(judge(Found::Absent, T0), Verdict::Miss);
    assert_eq!(judge(Found::Fault, T0), Verdict::Fault);
    assert!(Verdict::Expired.removes() && Verdict::Corrupt.removes());
    assert!(!Verdict::Miss.removes() && !Verdict::Fault.removes());
    assert!(Verdict::Corrupt.is_error() && Verdict::Fault.is_error());
    assert!(!Verdict::Expired.is_error());
}

#[test]
fn codes_round_trip_what_js_sends_and_receives() {
    assert_eq!(Found::from_code(0, 5.0), Found::Absent);
    assert_eq!(Found::from_code(1, 5.0), Found::Envelope { exp: 5.0 });
    assert_eq!(Found::from_code(2, 5.0), Found::NotAnEnvelope);
    assert_eq!(Found::from_code(9, 5.0), Found::Fault);
    assert_eq!(Verdict::Miss.code(), -1.0);
    assert_eq!(Verdict::Expired.code(), -2.0);
    assert_eq!(Verdict::Corrupt.code(), -3.0);
    assert_eq!(Verdict::Fault.code(), -4.0);
    assert_eq!(
        Verdict::Hit {
            ttl_ms: 7.0,
            exp: T0
        }
        .code(),
        7.0
    );
}

#[test]
fn a_hit_below_is_promoted_into_memory_and_every_layer_above() {
    let mut t = Tiers::new(3);
    t.layers[2]
        .map
        .insert("k".into(), Record::Envelope("deep", T0 + 1_000.0));
    let (v, walk) = t.get("k", T0 + 400.0);
    assert_eq!(v, Some("deep"));
    assert_eq!(walk.hit_layer(), Some(3));
    // Memory and the two layers above got it with the same absolute expiry.
    assert_eq!(t.memory["k"], ("deep", T0 + 1_000.0));
    for l in 0..2 {
        assert_eq!(t.layers[l].map["k"], Record::Envelope("deep", T0 + 1_000.0));
    }
    let p = walk.promotion(T0 + 400.0, true).unwrap();
    assert_eq!(p.ttl_ms, 600.0);
    assert_eq!(p.into, 0b0111);
    // The next read is a memory hit: the walk does not start.
    let (v, walk) = t.get("k", T0 + 500.0);
    assert_eq!(v, Some("deep"));
    assert_eq!(walk.hit_layer(), None);
}

#[test]
fn the_walk_stops_at_the_first_hit() {
    let mut w = Walk::new(3, 0);
    assert_eq!(w.next_layer(), Some(1));
    assert_eq!(w.observe(Found::Absent, T0), Verdict::Miss);
    assert_eq!(w.next_layer(), Some(2));
    assert!(matches!(
        w.observe(Found::Envelope { exp: 0.0 }, T0),
        Verdict::Hit { .. }
    ));
    assert_eq!(w.next_layer(), None);
    // Nothing more is taken once it is over.
    assert_eq!(w.observe(Found::Envelope { exp: 0.0 }, T0), Verdict::Miss);
    assert_eq!(w.hit_layer(), Some(2));
    assert_eq!(w.promotion(T0, true).unwrap().into, 0b011);
}

#[test]
fn a_failing_layer_is_skipped_and_not_promoted_into() {
    let mut t = Tiers::new(3);
    t.layers[2]
        .map
        .insert("k".into(), Record::Envelope("v", 0.0));
    t.layers[0].down = true;
    let (v, walk) = t.get("k", T0);
    assert_eq!(v, Some("v"));
    assert_eq!(walk.faulted(), 0b0010);
    assert_eq!(walk.promotion(T0, true).unwrap().into, 0b0101);
    assert!(
        t.layers[0].map.is_empty(),
        "the failing layer was not written"
    );
    assert_eq!(t.layers[1].map["k"], Record::Envelope("v", 0.0));
}

#[test]
fn expired_envelopes_are_misses_everywhere_and_are_removed() {
    let mut t = Tiers::new(2);
    assert_eq!(t.set("k", "v", 100.0, T0), Ok(()));
    t.memory.clear();
    // Just before expiry a lower layer serves it; memory gets only what remains.
    let (v, walk) = t.get("k", T0 + 99.0);
    assert_eq!(v, Some("v"));
    assert_eq!(walk.promotion(T0 + 99.0, true).unwrap().ttl_ms, 1.0);
    t.memory.clear();
    // At expiry no layer serves it, and both records go.
    let (v, walk) = t.get("k", T0 + 100.0);
    assert_eq!(v, None);
    assert_eq!(walk.removals(), 0b110);
    assert!(t.layers.iter().all(|l| l.map.is_empty()));
    assert!(t.memory.is_empty());
}

#[test]
fn a_value_that_expires_during_the_walk_is_not_promoted() {
    let mut w = Walk::new(1, 0);
    w.observe(Found::Envelope { exp: T0 + 5.0 }, T0);
    assert_eq!(w.hit_layer(), Some(1));
    assert!(w.promotion(T0 + 4.0, true).is_some());
    assert_eq!(w.promotion(T0 + 5.0, true), None);
}

#[test]
fn corrupt_records_are_misses_that_are_removed_and_the_walk_goes_on() {
    let mut t = Tiers::new(2);
    t.layers[0].map.insert("k".into(), Record::Junk);
    t.layers[1]
        .map
        .insert("k".into(), Record::Envelope("good", 0.0));
    let (v, walk) = t.get("k", T0);
    assert_eq!(v, Some("good"));
    assert_eq!(walk.removals(), 0b010);
    // Removed, then promoted over: layer 1 now holds the good envelope.
    assert_eq!(t.layers[0].map["k"], Record::Envelope("good", 0.0));
}

#[test]
fn a_deleted_key_never_comes_back_from_a_lower_layer() {
    let mut t = Tiers::new(3);
    t.set("k", "v", 0.0, T0).unwrap();
    t.delete("k");
    for now in [T0, T0 + 1.0, T0 + 1e9] {
        assert_eq!(t.get("k", now).0, None);
    }
    assert!(t.layers.iter().all(|l| l.map.is_empty()));
}

#[test]
fn a_refused_write_names_the_layer_and_the_others_agree() {
    let mut t = Tiers::new(3);
    t.layers[1].down = true;
    assert_eq!(t.set("k", "v", 1_000.0, T0), Err(vec![2]));
    let e = Record::Envelope("v", T0 + 1_000.0);
    assert_eq!(t.layers[0].map["k"], e);
    assert_eq!(t.layers[2].map["k"], e);
    assert_eq!(t.memory["k"], ("v", T0 + 1_000.0));
}

#[test]
fn a_read_that_raced_a_write_does_not_promote_the_older_value() {
    let mut keyed: Keyed<String> = Keyed::new();
    let k = "k".to_string();
    let generation = keyed.begin_read(&k);
    let mut walk = Walk::new(2, generation);
    walk.observe(Found::Absent, T0);
    walk.observe(Found::Envelope { exp: 0.0 }, T0);
    // A write begins while the walk waits on its layers.
    keyed.begin_write(&k);
    assert!(!keyed.current(&k, walk.generation()));
    assert_eq!(
        walk.promotion(T0, keyed.current(&k, walk.generation())),
        None
    );
    keyed.end(&k);
    keyed.end(&k);
    assert!(
        keyed.is_empty(),
        "state is dropped once nothing is in progress"
    );
}

#[test]
fn a_sync_write_counts_only_while_async_work_is_in_progress() {
    let mut keyed: Keyed<String> = Keyed::new();
    let k = "k".to_string();
    keyed.touched(&k);
    assert!(
        keyed.is_empty(),
        "no state is made for a key with nothing in progress"
    );
    let g = keyed.begin_read(&k);
    keyed.touched(&k);
    assert!(!keyed.current(&k, g));
    keyed.end(&k);
    assert_eq!(keyed.len(), 0);
}

#[test]
fn concurrent_fetches_share_one_load() {
    let mut keyed: Keyed<String> = Keyed::new();
    let k = "k".to_string();
    let Role::Lead(id) = keyed.join(&k) else {
        panic!("the first fetch leads");
    };
    assert_eq!(keyed.join(&k), Role::Follow(id));
    assert_eq!(keyed.join(&k), Role::Follow(id));
    assert_eq!(keyed.flight_generation(&k, id), Some(0));
    assert!(
        keyed.land(&k, id),
        "nothing was written meanwhile: store it"
    );
    assert!(keyed.is_empty());
    // After it landed, a fetch leads a new load.
    assert!(matches!(keyed.join(&k), Role::Lead(n) if n != id));
}

#[test]
fn fetches_of_different_keys_do_not_share() {
    let mut keyed: Keyed<String> = Keyed::new();
    let a = keyed.join(&"a".to_string());
    let b = keyed.join(&"b".to_string());
    assert!(matches!((a, b), (Role::Lead(x), Role::Lead(y)) if x != y));
}

#[test]
fn a_write_during_a_load_makes_its_value_outdated() {
    let mut keyed: Keyed<String> = Keyed::new();
    let k = "k".to_string();
    let Role::Lead(first) = keyed.join(&k) else {
        panic!("leads");
    };
    keyed.begin_write(&k);
    // A fetch after the write does not follow the outdated load.
    let Role::Lead(second) = keyed.join(&k) else {
        panic!("a fetch after a write leads a fresh load");
    };
    assert_ne!(first, second);
    keyed.end(&k);
    assert!(!keyed.land(&k, first), "the outdated load is not stored");
    assert!(keyed.land(&k, second), "the fresh one is");
    assert!(keyed.is_empty());
}

#[test]
fn a_clear_during_loads_and_reads_makes_all_of_them_outdated() {
    let mut keyed: Keyed<String> = Keyed::new();
    let (a, b) = ("a".to_string(), "b".to_string());
    let Role::Lead(load) = keyed.join(&a) else {
        panic!("leads");
    };
    let read = keyed.begin_read(&b);
    keyed.touched_all();
    assert!(
        !keyed.current(&b, read),
        "a read from before the clear may not promote"
    );
    let Role::Lead(fresh) = keyed.join(&a) else {
        panic!("a fetch after a clear leads a fresh load");
    };
    assert!(
        !keyed.land(&a, load),
        "the load from before the clear is not stored"
    );
    assert!(keyed.land(&a, fresh));
    keyed.end(&b);
    assert!(keyed.is_empty());
}

#[test]
fn a_failed_load_lands_without_storing_and_the_next_fetch_retries() {
    // The JS side does not store a failed load's value; landing still ends the flight.
    let mut keyed: Keyed<String> = Keyed::new();
    let k = "k".to_string();
    let Role::Lead(id) = keyed.join(&k) else {
        panic!("leads");
    };
    keyed.land(&k, id);
    assert!(matches!(keyed.join(&k), Role::Lead(_)));
}

#[test]
fn walks_are_bounded_by_the_mask_width() {
    let w = Walk::new(100, 0);
    let mut w2 = w.clone();
    for _ in 0..MAX_LAYERS {
        w2.observe(Found::Absent, T0);
    }
    assert_eq!(w2.next_layer(), None);
    let mut w3 = Walk::new(MAX_LAYERS, 0);
    for _ in 0..MAX_LAYERS - 1 {
        w3.observe(Found::Fault, T0);
    }
    w3.observe(Found::Envelope { exp: 0.0 }, T0);
    let p = w3.promotion(T0, true).unwrap();
    assert_eq!(p.into, 1, "every layer above failed: memory only");
}

/// A seeded sweep: a random schedule of sets, deletes, reads, outages and clock steps over
/// three fake layers never serves a value past its expiry or a deleted key, and an
/// acknowledged write is read back while it is live.
#[test]
fn random_schedules_keep_expiry_and_deletes() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let values = ["a", "b", "c", "d"];
    let mut t = Tiers::new(3);
    // The model: per key, the acknowledged value and expiry, or none.
    let mut model: HashMap<String, Option<(&'static str, f64)>> = HashMap::new();
    let mut now = T0;
    for _ in 0..20_000 {
        now += next(40) as f64;
        let key = format!("k{}", next(8));
        for l in &mut t.layers {
            l.down = next(10) == 0;
        }
        match next(6) {
            0 | 1 => {
                let v = values[next(4) as usize];
                let ttl = [0.0, 50.0, 200.0][next(3) as usize];
                let ok = t.set(&key, v, ttl, now).is_ok();
                model.insert(
                    key.clone(),
                    ok.then(|| (v, expires_at(now, ttl))).or(Some(("?", -1.0))),
                );
            }
            2 => {
                for l in &mut t.layers {
                    l.down = false;
                }
                t.delete(&key);
                model.insert(key.clone(), None);
            }
            3 => {
                t.memory.remove(&key);
            }
            _ => {
                let (got, walk) = t.get(&key, now);
                match model.get(&key).copied().flatten() {
                    None => assert_eq!(got, None, "deleted or never set: {key}"),
                    Some(("?", _)) => {}
                    Some((v, exp)) => {
                        let live = remaining(exp, now).is_some();
                        if live && walk.faulted() == 0 {
                            assert_eq!(got, Some(v), "acknowledged write read back");
                        }
                        if !live {
                            assert_eq!(got, None, "never served past expiry");
                        }
                    }
                }
            }
        }
    }
}
