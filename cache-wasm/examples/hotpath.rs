//! Times the store's hot path natively: hits, misses and inserts on a full LRU store.
use std::time::Instant;

use cache_wasm::core::config::Settings;
use cache_wasm::core::store::Store;

fn mix(i: u32) -> u32 {
    let mut h = i.wrapping_mul(0x9e37_79b1);
    h ^= h >> 15;
    h.wrapping_mul(0x85eb_ca6b)
}

fn main() {
    let settings = Settings {
        max_entries: 10_000,
        ..Settings::default()
    };
    let mut store = Store::new(&settings);
    for i in 0..10_000 {
        let _ = store.insert(mix(i), 8, 0.0, 0.0);
    }
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let t = Instant::now();
    let mut x = 0u32;
    for i in 0..n {
        x ^= store.get(mix((i.wrapping_mul(7)) % 10_000), 0.0);
    }
    println!(
        "get hit  {:.1} ns/op ({x})",
        t.elapsed().as_nanos() as f64 / f64::from(n)
    );
    let t = Instant::now();
    for i in 0..n {
        x ^= store.peek(mix((i.wrapping_mul(7)) % 10_000), 0.0);
    }
    println!(
        "peek     {:.1} ns/op ({x})",
        t.elapsed().as_nanos() as f64 / f64::from(n)
    );
    let t = Instant::now();
    for i in 0..n {
        x ^= store.get(mix(10_000 + (i.wrapping_mul(7)) % 90_000), 0.0);
    }
    println!(
        "get miss {:.1} ns/op ({x})",
        t.elapsed().as_nanos() as f64 / f64::from(n)
    );
    let t = Instant::now();
    for i in 0..n {
        let h = mix(100_000 + i);
        if store.peek(h, 0.0) == cache_wasm::core::NIL {
            x ^= store.insert(h, 8, 0.0, 0.0).unwrap_or(0);
        }
        if store.freed().len() > 64 {
            store.take_freed();
        }
    }
    println!(
        "insert evicting {:.1} ns/op ({x})",
        t.elapsed().as_nanos() as f64 / f64::from(n)
    );
}
