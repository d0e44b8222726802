//! The engine through wasm-bindgen, in Node and (with WASM_BINDGEN_USE_BROWSER=1) in Chromium.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::panic)]

use cache_wasm::bindings::Engine;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const NIL: u32 = u32::MAX;

fn options(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

fn error_of(result: Result<Engine, JsValue>) -> (String, String) {
    let err = match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    };
    let name = Reflect::get(&err, &"name".into())
        .unwrap()
        .as_string()
        .unwrap();
    let message = Reflect::get(&err, &"message".into())
        .unwrap()
        .as_string()
        .unwrap();
    (name, message)
}

#[wasm_bindgen_test]
fn bad_options_become_js_errors_naming_the_option() {
    let cases = [
        (r#"{"maxEntrys": 3}"#, "TypeError", "maxEntrys"),
        (r#"{"maxEntries": 0}"#, "RangeError", "maxEntries"),
        (r#"{"maxEntries": "ten"}"#, "TypeError", "maxEntries"),
        (
            r#"{"evictionPolicy": "fifo"}"#,
            "RangeError",
            "evictionPolicy",
        ),
        (
            r#"{"telemetryExport": true}"#,
            "TypeError",
            "enableTelemetry",
        ),
        (
            r#"{"high_miss_rate_threshold": 2}"#,
            "RangeError",
            "highMissRateThreshold",
        ),
    ];
    for (json, name, needle) in cases {
        let (n, m) = error_of(Engine::new(options(json), 0.0));
        assert_eq!(n, name, "{json}: {m}");
        assert!(m.contains(needle), "{json}: {m}");
    }
    let (n, _) = error_of(Engine::new(JsValue::from_str("nope"), 0.0));
    assert_eq!(n, "TypeError");
}

#[wasm_bindgen_test]
fn a_huge_array_option_is_an_error_not_a_trap() {
    let layers = js_sys::Array::new_with_length(4_000_000_000);
    let obj = Object::new();
    Reflect::set(&obj, &"layers".into(), &layers).unwrap();
    let (name, message) = error_of(Engine::new(obj.into(), 0.0));
    assert_eq!(name, "TypeError");
    assert!(message.contains("at most 1024"), "{message}");
    assert!(message.contains("option `layers`"), "{message}");
}

#[wasm_bindgen_test]
fn a_getter_that_throws_is_an_error_not_a_trap() {
    let obj = Object::new();
    let getter = js_sys::Function::new_no_args("throw new Error('boom')");
    let desc = Object::new();
    Reflect::set(&desc, &"get".into(), &getter).unwrap();
    Reflect::set(&desc, &"enumerable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(&obj, &"maxEntries".into(), &desc);
    let (_, m) = error_of(Engine::new(obj.into(), 0.0));
    assert!(m.contains("boom"), "{m}");
}

#[wasm_bindgen_test]
fn hits_misses_and_lru_eviction_through_slots() {
    let mut e = Engine::new(options(r#"{"maxEntries": 2}"#), 0.0).unwrap();
    assert_eq!(e.get(7, 0.0), NIL);
    let a = e.insert(7, 10, 0.0, 0.0) as u32;
    let b = e.insert(8, 10, 0.0, 0.0) as u32;
    assert_eq!(e.get(7, 0.0), a);
    // Inserting a third key evicts the least recently used (8), whose slot is reused.
    let c = e.insert(9, 10, 0.0, 0.0);
    assert_eq!(c as u32, b);
    assert!(
        c < 4_294_967_296.0,
        "the reused slot is not reported as freed"
    );
    assert_eq!(e.peek(8, 0.0), NIL);
    assert_eq!(e.slots(0.0, u32::MAX).to_vec(), vec![b, a]);
    assert_eq!(e.slots(0.0, 1).to_vec(), vec![b]);
    let stats = JSON::parse(&e.stats("all", 0.0).unwrap()).unwrap();
    let get = |path: &[&str]| {
        let mut v = stats.clone();
        for p in path {
            v = Reflect::get(&v, &(*p).into()).unwrap();
        }
        v.as_f64().unwrap()
    };
    assert_eq!(get(&["gets"]), 2.0);
    assert_eq!(get(&["hits"]), 1.0);
    assert_eq!(get(&["hit_rate"]), 50.0);
    assert_eq!(get(&["evictions", "by_cause", "capacity"]), 1.0);
    assert_eq!(get(&["size", "entries"]), 2.0);
    let err = e.stats("week", 0.0).unwrap_err();
    assert!(err.is_instance_of::<js_sys::RangeError>());
}

#[wasm_bindgen_test]
fn a_mismatched_candidate_is_undone_exactly() {
    let mut e = Engine::new(options(r#"{"maxEntries": 4}"#), 0.0).unwrap();
    // Two keys with the same hash: both are candidates for it, in probe order.
    let a = e.insert(5, 1, 0.0, 0.0) as u32;
    let b = e.insert(5, 1, 0.0, 0.0) as u32;
    let other = e.insert(6, 1, 0.0, 0.0) as u32;
    let tried = e.get(5, 0.0);
    assert!(tried == a || tried == b);
    let wanted = if tried == a { b } else { a };
    // JS found another key in `tried`: its hit is undone and `wanted` is hit instead.
    assert_eq!(e.get_next(tried, 0.0), wanted);
    let mut order = vec![other, b, a];
    order.retain(|s| *s != wanted);
    order.insert(0, wanted);
    assert_eq!(e.slots(0.0, u32::MAX).to_vec(), order);
    let stats = JSON::parse(&e.stats("all", 0.0).unwrap()).unwrap();
    assert_eq!(
        Reflect::get(&stats, &"hits".into()).unwrap().as_f64(),
        Some(1.0)
    );
    // A slot that is not the pending candidate is ignored.
    assert_eq!(e.get_next(12345, 0.0), NIL);
}

#[wasm_bindgen_test]
fn ttl_expiry_frees_slots_for_js_to_release() {
    let mut e = Engine::new(options(r#"{"maxEntries": 8}"#), 0.0).unwrap();
    let a = e.insert(1, 1, 50.0, 1000.0) as u32;
    assert_eq!(e.get(1, 1049.0), a);
    assert_eq!(e.get(1, 1050.0), NIL);
    assert_eq!(e.size(1050.0), 0);
    assert_eq!(e.take_freed().to_vec(), vec![a]);
    assert!(e.take_freed().is_empty());
}

#[wasm_bindgen_test]
fn bad_slots_never_trap() {
    let mut e = Engine::new(JsValue::UNDEFINED, 0.0).unwrap();
    assert!(e.update(99, 1, 0.0, 0.0).is_nan());
    assert_eq!(e.delete(u32::MAX), 0);
    assert_eq!(e.peek_next(42, 0.0), NIL);
    assert_eq!(e.insert(1, 1, f64::NAN, f64::NAN), 0.0);
    let mut small = Engine::new(options(r#"{"maxBytes": 10}"#), 0.0).unwrap();
    assert!(small.insert(1, 11, 0.0, 0.0).is_nan());
    assert!(small.set(1, 11, 0.0, 0.0).is_nan());
    assert_eq!(small.size(0.0), 0);
    assert_eq!(small.set(1, 10, 0.0, 0.0), 0.0);
    assert_eq!(
        small.set(1, 10, 0.0, 0.0),
        -1.0,
        "a present hash answers with its candidate"
    );
}
