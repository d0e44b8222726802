//! Golden and property tests of the export encoders and of endpoint parsing.

use super::endpoint::{grouping, Endpoint, Scheme, Target};
use super::statsd::{Cursor, Options};
use super::*;
use crate::core::config::{ExportFormat, Settings};
use crate::core::stats::Period;
use crate::core::store::Store;
use crate::core::telemetry::histogram::SparseHistogram;
use crate::core::telemetry::{ErrorType, Figures, Op, Telemetry, MEMORY};

const T0: f64 = 1_700_006_400_000.0;

struct Rig {
    store: Store,
    tel: Telemetry,
    settings: Settings,
}

impl Rig {
    fn new(name: &str, telemetry: bool) -> Rig {
        let settings = Settings {
            name: name.into(),
            enable_telemetry: telemetry,
            max_entries: 3,
            layers: vec!["disk".into()],
            ..Settings::default()
        };
        Rig {
            store: Store::new(&settings),
            tel: Telemetry::new(&settings, T0),
            settings,
        }
    }

    /// 4 inserts into 3 places (one capacity eviction), 2 hits, 1 miss, 1 delete, layer
    /// lookups and errors.
    fn work(&mut self) {
        for h in 1..=4 {
            self.store.insert(h, 10, 0.0, T0).unwrap();
        }
        assert_ne!(self.store.get(4, T0), crate::core::NIL);
        assert_ne!(self.store.get(3, T0), crate::core::NIL);
        assert_eq!(self.store.get(99, T0), crate::core::NIL);
        let slot = self.store.peek(2, T0);
        self.store.delete(slot).unwrap();
        self.tel.record_layer_get(1, true);
        self.tel.record_layer_get(1, false);
        self.tel.record_layer_get(1, false);
        self.tel.record_error(None, ErrorType::Export);
        self.tel.record_error(Some(1), ErrorType::Layer);
    }

    fn meta(&self) -> Meta<'_> {
        Meta {
            cache: &self.settings.name,
            layers: &self.settings.layers,
        }
    }

    fn totals(&mut self, now: f64) -> Figures {
        self.tel.figures(Period::All, now, &self.store)
    }

    fn prometheus(&mut self) -> String {
        let totals = self.totals(T0 + 1000.0);
        let mut out = String::new();
        prometheus::write(&mut out, &self.meta(), &totals).unwrap();
        out
    }
}

#[test]
fn prometheus_golden_without_latency() {
    let mut rig = Rig::new("web \"front\"\\\nend", false);
    rig.work();
    let expected = r#"# HELP cache_gets_total Lookups, by layer and result.
# TYPE cache_gets_total counter
cache_gets_total{cache="web \"front\"\\\nend",layer="memory",result="hit"} 2
cache_gets_total{cache="web \"front\"\\\nend",layer="memory",result="miss"} 1
cache_gets_total{cache="web \"front\"\\\nend",layer="disk",result="hit"} 1
cache_gets_total{cache="web \"front\"\\\nend",layer="disk",result="miss"} 2
# HELP cache_puts_total Entries stored by set calls.
# TYPE cache_puts_total counter
cache_puts_total{cache="web \"front\"\\\nend"} 4
# HELP cache_deletes_total Delete calls.
# TYPE cache_deletes_total counter
cache_deletes_total{cache="web \"front\"\\\nend"} 1
# HELP cache_evictions_total Entries the cache evicted from memory for room or by expiry, by cause.
# TYPE cache_evictions_total counter
cache_evictions_total{cache="web \"front\"\\\nend",cause="capacity"} 1
cache_evictions_total{cache="web \"front\"\\\nend",cause="bytes"} 0
cache_evictions_total{cache="web \"front\"\\\nend",cause="expired"} 0
# HELP cache_removals_total Entries removed from memory by delete, an overwrite or clear, by cause.
# TYPE cache_removals_total counter
cache_removals_total{cache="web \"front\"\\\nend",cause="deleted"} 1
cache_removals_total{cache="web \"front\"\\\nend",cause="replaced"} 0
cache_removals_total{cache="web \"front\"\\\nend",cause="cleared"} 0
# HELP cache_expired_unread_total Entries that expired without ever being read.
# TYPE cache_expired_unread_total counter
cache_expired_unread_total{cache="web \"front\"\\\nend"} 0
# HELP cache_errors_total Errors counted by the cache, by type.
# TYPE cache_errors_total counter
cache_errors_total{cache="web \"front\"\\\nend",type="bad_input"} 0
cache_errors_total{cache="web \"front\"\\\nend",type="layer"} 1
cache_errors_total{cache="web \"front\"\\\nend",type="loader"} 0
cache_errors_total{cache="web \"front\"\\\nend",type="export"} 1
cache_errors_total{cache="web \"front\"\\\nend",type="alert_handler"} 0
cache_errors_total{cache="web \"front\"\\\nend",type="subscriber"} 0
cache_errors_total{cache="web \"front\"\\\nend",type="internal"} 0
# HELP cache_size Live entries in memory.
# TYPE cache_size gauge
cache_size{cache="web \"front\"\\\nend"} 2
# HELP cache_bytes Accounted bytes of the live entries.
# TYPE cache_bytes gauge
cache_bytes{cache="web \"front\"\\\nend"} 20
# HELP cache_max_entries The entry bound.
# TYPE cache_max_entries gauge
cache_max_entries{cache="web \"front\"\\\nend"} 3
# HELP cache_max_bytes The byte bound; 0 means none.
# TYPE cache_max_bytes gauge
cache_max_bytes{cache="web \"front\"\\\nend"} 0
# HELP cache_entries_with_ttl Live entries that have a TTL.
# TYPE cache_entries_with_ttl gauge
cache_entries_with_ttl{cache="web \"front\"\\\nend"} 0
"#;
    assert_eq!(rig.prometheus(), expected);
}

#[test]
fn prometheus_histogram_golden() {
    let mut tel = Histogramish::default();
    // 800 ns, 3 µs, 3 µs, 40 ms and 20 s (above the last bound: only +Inf holds it).
    for ns in [800, 3_000, 3_000, 40_000_000, 20_000_000_000] {
        tel.0.push(ns);
    }
    let h = tel.sparse();
    let mut out = String::new();
    prometheus::write_histogram(&mut out, "x_seconds", &[("op", "get")], &h).unwrap();
    let expected = r#"x_seconds_bucket{op="get",le="5e-07"} 0
x_seconds_bucket{op="get",le="1e-06"} 1
x_seconds_bucket{op="get",le="2.5e-06"} 1
x_seconds_bucket{op="get",le="5e-06"} 3
x_seconds_bucket{op="get",le="1e-05"} 3
x_seconds_bucket{op="get",le="2.5e-05"} 3
x_seconds_bucket{op="get",le="5e-05"} 3
x_seconds_bucket{op="get",le="0.0001"} 3
x_seconds_bucket{op="get",le="0.00025"} 3
x_seconds_bucket{op="get",le="0.0005"} 3
x_seconds_bucket{op="get",le="0.001"} 3
x_seconds_bucket{op="get",le="0.0025"} 3
x_seconds_bucket{op="get",le="0.005"} 3
x_seconds_bucket{op="get",le="0.01"} 3
x_seconds_bucket{op="get",le="0.025"} 3
x_seconds_bucket{op="get",le="0.05"} 4
x_seconds_bucket{op="get",le="0.1"} 4
x_seconds_bucket{op="get",le="0.25"} 4
x_seconds_bucket{op="get",le="0.5"} 4
x_seconds_bucket{op="get",le="1"} 4
x_seconds_bucket{op="get",le="2.5"} 4
x_seconds_bucket{op="get",le="5"} 4
x_seconds_bucket{op="get",le="10"} 4
x_seconds_bucket{op="get",le="+Inf"} 5
x_seconds_sum{op="get"} 20.0400068
x_seconds_count{op="get"} 5
"#;
    assert_eq!(out, expected);
}

/// Values recorded into a dense histogram, for building sparse ones in tests.
#[derive(Default)]
struct Histogramish(Vec<u64>);

impl Histogramish {
    fn sparse(&self) -> SparseHistogram {
        let mut h = crate::core::telemetry::histogram::Histogram::new();
        for &v in &self.0 {
            h.record(v);
        }
        h.to_sparse()
    }
}

#[test]
fn prometheus_histograms_are_cumulative_and_complete() {
    let mut rig = Rig::new("lat", true);
    rig.work();
    for k in 0..200u64 {
        rig.tel.record_latency(MEMORY, Op::Get, 300 + k * 997);
        rig.tel.record_latency(1, Op::Set, 1_000_000 + k * 50_000);
    }
    let text = rig.prometheus();
    assert!(text.contains("# TYPE cache_operation_duration_seconds histogram\n"));
    let mut series = 0;
    let mut last = None::<(String, u64)>;
    for line in text
        .lines()
        .filter(|l| l.starts_with("cache_operation_duration_seconds"))
    {
        let (name, value) = line.rsplit_once(' ').unwrap();
        if name.starts_with("cache_operation_duration_seconds_bucket") {
            let key = name.split(",le=").next().unwrap().to_string();
            let n: u64 = value.parse().unwrap();
            if let Some((k, prev)) = &last {
                if *k == key {
                    assert!(n >= *prev, "cumulative: {line}");
                }
            }
            if name.ends_with("le=\"+Inf\"}") {
                series += 1;
                let want = if key.contains("layer=\"memory\",op=\"get\"")
                    || key.contains("layer=\"disk\",op=\"set\"")
                {
                    200
                } else {
                    0
                };
                assert_eq!(n, want, "{line}");
            }
            last = Some((key, n));
        }
    }
    // Every layer and operation has a series, empty or not.
    assert_eq!(series, 2 * 3);
    assert!(text.contains(
        "cache_operation_duration_seconds_count{cache=\"lat\",layer=\"disk\",op=\"set\"} 200\n"
    ));
    // Each family is announced once, before its samples.
    let mut seen = std::collections::HashSet::new();
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        assert!(seen.insert(line.to_string()), "{line} twice");
    }
}

#[test]
fn label_escaping_covers_backslash_quote_and_newline_only() {
    let mut out = String::new();
    prometheus::escape_label(&mut out, "a\\b\"c\nd\té").unwrap();
    assert_eq!(out, "a\\\\b\\\"c\\nd\té");
}

fn statsd_text(rig: &mut Rig, cursor: &mut Cursor, opts: &Options, now: f64) -> String {
    let totals = rig.totals(now);
    let window = cursor.advance(&totals);
    let mut out = String::new();
    statsd::write(&mut out, &rig.meta(), &window, opts).unwrap();
    out
}

#[test]
fn statsd_golden_plain_then_deltas() {
    let mut rig = Rig::new("web.front|x:1@2#3\nmetric:1|c", true);
    let mut cursor = Cursor::new(T0, 1);
    rig.work();
    rig.tel.record_latency(MEMORY, Op::Get, 1_500);
    rig.tel.record_latency(MEMORY, Op::Get, 2_500);
    let opts = Options::default();
    let first = statsd_text(&mut rig, &mut cursor, &opts, T0 + 1000.0);
    let stem = "cache.web_front_x_1_2_3_metric_1_c";
    let expected = format!(
        "{stem}.gets.memory.hit:2|c
{stem}.gets.memory.miss:1|c
{stem}.gets.disk.hit:1|c
{stem}.gets.disk.miss:2|c
{stem}.puts:4|c
{stem}.deletes:1|c
{stem}.evictions.capacity:1|c
{stem}.removals.deleted:1|c
{stem}.errors.layer:1|c
{stem}.errors.export:1|c
{stem}.size:2|g
{stem}.bytes:20|g
{stem}.max_entries:3|g
{stem}.max_bytes:0|g
{stem}.entries_with_ttl:0|g
{stem}.duration.memory.get.count:2|c
{stem}.duration.memory.get.mean_ms:0.002|g
{stem}.duration.memory.get.p50_ms:0.001504|g
{stem}.duration.memory.get.p95_ms:0.0025|g
{stem}.duration.memory.get.p99_ms:0.0025|g
{stem}.duration.memory.get.max_ms:0.0025|g
"
    );
    assert_eq!(first, expected);

    // The next export carries only what happened since: one hit, one more timed get.
    assert_ne!(rig.store.get(4, T0 + 1500.0), crate::core::NIL);
    rig.tel.record_latency(MEMORY, Op::Get, 10_000);
    let second = statsd_text(&mut rig, &mut cursor, &opts, T0 + 2000.0);
    let expected = format!(
        "{stem}.gets.memory.hit:1|c
{stem}.size:2|g
{stem}.bytes:20|g
{stem}.max_entries:3|g
{stem}.max_bytes:0|g
{stem}.entries_with_ttl:0|g
{stem}.duration.memory.get.count:1|c
{stem}.duration.memory.get.mean_ms:0.01|g
{stem}.duration.memory.get.p50_ms:0.01|g
{stem}.duration.memory.get.p95_ms:0.01|g
{stem}.duration.memory.get.p99_ms:0.01|g
{stem}.duration.memory.get.max_ms:0.01|g
"
    );
    assert_eq!(second, expected);
}

#[test]
fn statsd_golden_dogstatsd() {
    let mut rig = Rig::new("orders,eu|x", false);
    let mut cursor = Cursor::new(T0, 1);
    rig.work();
    let opts = Options::from_query("prefix=app.cache&tags=env:prod,team:a%7Cb%23c&x=1").unwrap();
    assert!(opts.dogstatsd);
    let text = statsd_text(&mut rig, &mut cursor, &opts, T0 + 1000.0);
    let tags = "env:prod,team:a_b_c";
    let c = "cache:orders_eu_x";
    let expected = format!(
        "app.cache.gets:2|c|#{c},layer:memory,result:hit,{tags}
app.cache.gets:1|c|#{c},layer:memory,result:miss,{tags}
app.cache.gets:1|c|#{c},layer:disk,result:hit,{tags}
app.cache.gets:2|c|#{c},layer:disk,result:miss,{tags}
app.cache.puts:4|c|#{c},{tags}
app.cache.deletes:1|c|#{c},{tags}
app.cache.evictions:1|c|#{c},cause:capacity,{tags}
app.cache.removals:1|c|#{c},cause:deleted,{tags}
app.cache.errors:1|c|#{c},type:layer,{tags}
app.cache.errors:1|c|#{c},type:export,{tags}
app.cache.size:2|g|#{c},{tags}
app.cache.bytes:20|g|#{c},{tags}
app.cache.max_entries:3|g|#{c},{tags}
app.cache.max_bytes:0|g|#{c},{tags}
app.cache.entries_with_ttl:0|g|#{c},{tags}
"
    );
    assert_eq!(text, expected);
}

/// The lines of `text` that `keep` selects, in order.
fn lines_where(text: &str, keep: impl Fn(&str) -> bool) -> Vec<&str> {
    text.lines().filter(|l| keep(l)).collect()
}

#[test]
fn explicit_removals_are_exported_apart_from_evictions() {
    let mut rig = Rig::new("web", false);
    rig.work();
    // After one capacity eviction and one delete: an overwrite, then a clear of the two left.
    let slot = rig.store.peek(4, T0);
    rig.store.update(slot, 12, 0.0, T0).unwrap();
    rig.store.clear(T0);

    let text = rig.prometheus();
    assert_eq!(
        lines_where(&text, |l| l.contains("evictions") || l.contains("removals")),
        [
            "# HELP cache_evictions_total Entries the cache evicted from memory for room or by expiry, by cause.",
            "# TYPE cache_evictions_total counter",
            r#"cache_evictions_total{cache="web",cause="capacity"} 1"#,
            r#"cache_evictions_total{cache="web",cause="bytes"} 0"#,
            r#"cache_evictions_total{cache="web",cause="expired"} 0"#,
            "# HELP cache_removals_total Entries removed from memory by delete, an overwrite or clear, by cause.",
            "# TYPE cache_removals_total counter",
            r#"cache_removals_total{cache="web",cause="deleted"} 1"#,
            r#"cache_removals_total{cache="web",cause="replaced"} 1"#,
            r#"cache_removals_total{cache="web",cause="cleared"} 2"#,
        ]
    );

    let plain = statsd_text(
        &mut rig,
        &mut Cursor::new(T0, 1),
        &Options::default(),
        T0 + 1000.0,
    );
    assert_eq!(
        lines_where(&plain, |l| l.contains(".evictions")
            || l.contains(".removals")),
        [
            "cache.web.evictions.capacity:1|c",
            "cache.web.removals.deleted:1|c",
            "cache.web.removals.replaced:1|c",
            "cache.web.removals.cleared:2|c",
        ]
    );

    let opts = Options::from_query("flavor=dogstatsd").unwrap();
    let tagged = statsd_text(&mut rig, &mut Cursor::new(T0, 1), &opts, T0 + 1000.0);
    assert_eq!(
        lines_where(&tagged, |l| l.starts_with("cache.evictions:")
            || l.starts_with("cache.removals:")),
        [
            "cache.evictions:1|c|#cache:web,cause:capacity",
            "cache.removals:1|c|#cache:web,cause:deleted",
            "cache.removals:1|c|#cache:web,cause:replaced",
            "cache.removals:2|c|#cache:web,cause:cleared",
        ]
    );
}

#[test]
fn statsd_options_from_the_query() {
    assert_eq!(Options::from_query("").unwrap(), Options::default());
    let o = Options::from_query("flavor=dogstatsd&prefix=a.b%20c..d").unwrap();
    assert!(o.dogstatsd && o.tags.is_empty());
    assert_eq!(o.prefix, "a.b_c.d");
    // Cut to 100 characters just after a dot: the empty segment goes too.
    let o = Options::from_query(&format!("prefix={}.b", "a".repeat(99))).unwrap();
    assert_eq!(o.prefix, "a".repeat(99));
    assert!(Options::from_query("flavour=graphite").is_err());
    assert!(Options::from_query("flavor=statsd&tags=a:b").is_err());
    let many = (0..20)
        .map(|k| format!("t{k}:v"))
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(
        Options::from_query(&format!("tags={many}"))
            .unwrap()
            .tags
            .len(),
        8
    );
}

proptest::proptest! {
    /// Whatever the names, every StatsD line is one metric: one name, one value, one type.
    #[test]
    fn statsd_names_cannot_inject(name in "\\PC{0,150}", layer in "[a-z:|@#\n. ]{1,20}",
                                  tag in "\\PC{0,150}", dog in proptest::bool::ANY) {
        let settings = Settings {
            name: name.clone(),
            layers: vec![layer.clone()],
            ..Settings::default()
        };
        let mut store = Store::new(&settings);
        store.insert(1, 1, 0.0, T0).unwrap();
        store.get(1, T0);
        let mut tel = Telemetry::new(&settings, T0);
        tel.record_layer_get(1, true);
        let totals = tel.figures(Period::All, T0, &store);
        let mut cursor = Cursor::new(T0, 1);
        let window = cursor.advance(&totals);
        let mut opts = Options::from_query(&format!(
            "tags={}",
            tag.replace('%', "%25").replace('&', "%26")
        )).unwrap();
        opts.dogstatsd |= dog;
        let mut out = String::new();
        statsd::write(&mut out, &Meta { cache: &name, layers: &settings.layers }, &window, &opts).unwrap();
        for line in out.lines() {
            proptest::prop_assert!(line.len() <= statsd::MAX_DATAGRAM, "{line}");
            let (metric, tags) = line.split_once("|#").map_or((line, None), |(m, t)| (m, Some(t)));
            let (name, rest) = metric.split_once(':').unwrap();
            proptest::prop_assert!(!name.contains(['|', '@', '#', '\n', ' ']), "{line}");
            let fields: Vec<&str> = rest.split('|').collect();
            proptest::prop_assert_eq!(fields.len(), 2, "{}", line);
            proptest::prop_assert!(fields[0].parse::<f64>().is_ok(), "{line}");
            proptest::prop_assert!(fields[1] == "c" || fields[1] == "g", "{line}");
            if let Some(tags) = tags {
                proptest::prop_assert!(!tags.contains(['|', '@', '#', ' ']), "{line}");
            }
        }
        proptest::prop_assert_eq!(out.lines().filter(|l| l.contains(".gets")).count(), 2);
    }

    /// Whatever the names, the Prometheus text keeps one sample a line with intact labels.
    #[test]
    fn prometheus_names_cannot_break_lines(name in "\\PC{0,60}|[\"\\\\\n]{1,5}") {
        let settings = Settings { name: name.clone(), ..Settings::default() };
        let store = Store::new(&settings);
        let mut tel = Telemetry::new(&settings, T0);
        let totals = tel.figures(Period::All, T0, &store);
        let mut out = String::new();
        prometheus::write(&mut out, &Meta { cache: &name, layers: &[] }, &totals).unwrap();
        let mut escaped = String::new();
        prometheus::escape_label(&mut escaped, &name).unwrap();
        for line in out.lines().filter(|l| !l.starts_with('#')) {
            let label = format!("{{cache=\"{escaped}\"");
            proptest::prop_assert!(line.starts_with("cache_") && line.contains(&label), "{line}");
            proptest::prop_assert!(line.rsplit_once(' ').unwrap().1.parse::<u64>().is_ok(), "{line}");
        }
    }
}

#[test]
fn json_export_previews_the_next_frame_without_advancing() {
    let mut rig = Rig::new("j", true);
    rig.work();
    let frame = rig.tel.frame(T0 + 1000.0, &rig.store);
    assert_eq!(frame.seq, 1);
    assert_ne!(rig.store.get(4, T0 + 1500.0), crate::core::NIL);
    let preview = rig.tel.peek_frame(T0 + 2000.0, &rig.store);
    let mut out = String::new();
    json::write(&mut out, &rig.tel, &preview, "abc").unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "cache-wasm/frame@1");
    assert_eq!(v["seq"], 2);
    assert_eq!(v["cache"], "j");
    assert_eq!(v["instance"], "abc");
    assert_eq!(v["interval_s"], 1);
    assert_eq!(v["window"]["period"], "interval");
    assert_eq!(v["window"]["gets"], 1);
    assert_eq!(v["totals"]["gets"], 4);
    assert_eq!(v["alerts"], serde_json::json!([]));
    // The next real frame still covers everything since the first one.
    let next = rig.tel.frame(T0 + 3000.0, &rig.store);
    assert_eq!(next.seq, 2);
    assert_eq!(next.window.tally.counts.gets, 1);
    assert_eq!(next.window.window_start_ms, T0 + 1000.0);
}

#[test]
fn endpoints_parse_per_format() {
    use ExportFormat::{Json, Prometheus, Statsd};
    let ok = |f, s: &str| Endpoint::parse(f, s).unwrap_or_else(|e| panic!("{s}: {e}"));
    let e = ok(Prometheus, "127.0.0.1:9091");
    assert_eq!(
        (e.scheme, e.host.as_str(), e.port),
        (Scheme::Http, "127.0.0.1", Some(9091))
    );
    let e = ok(Statsd, "localhost:8125");
    assert_eq!((e.scheme, e.port), (Scheme::Udp, Some(8125)));
    let e = ok(Statsd, "udp://[::1]:8125?tags=env:prod");
    assert_eq!(
        (e.host.as_str(), e.query.as_str()),
        ("::1", "tags=env:prod")
    );
    let e = ok(Statsd, "https://collector.example/lines");
    assert_eq!(
        (e.scheme, e.port, e.path.as_str()),
        (Scheme::Https, None, "/lines")
    );
    ok(Json, "http://user:pw@127.0.0.1:8080/frames?k=v#frag");
    ok(Json, "127.0.0.1:8080");
    for (f, bad) in [
        (Prometheus, "udp://127.0.0.1:9091"),
        (Json, "udp://127.0.0.1:9"),
        (Prometheus, "ftp://x:1"),
        (Prometheus, "127.0.0.1"),
        (Statsd, "udp://127.0.0.1"),
        (Statsd, "udp://127.0.0.1:8125/path"),
        (Statsd, "udp://u@127.0.0.1:8125"),
        (Json, "http://:80/"),
        (Json, "http://a b:80/"),
        (Json, "http://host:0/"),
        (Json, "http://host:70000/"),
        (Json, "http://[::1/"),
        (Json, "http://host/a b"),
    ] {
        assert!(Endpoint::parse(f, bad).is_err(), "{bad}");
    }
}

#[test]
fn hosts_and_user_info_are_ones_a_url_parser_accepts() {
    use ExportFormat::{Json, Prometheus, Statsd};
    for (f, good) in [
        (Json, "http://10.0.0.1:80/x"),
        (Json, "http://255.255.255.255:80"),
        (Json, "http://[::1]:80"),
        (Json, "http://[::ffff:1.2.3.4]:80"),
        (Json, "http://[2001:DB8::a]:80"),
        (Json, "http://example.com.:80"),
        (Json, "http://host.1a:80"),
        (Json, "http://v1.0x1g:80"),
        (Json, "http://user%40corp:p%C3%A9ss@example.com:80/x"),
        (Json, "http://user:@example.com:80"),
        (Json, "http://us%2Fer@example.com:80"),
        (Statsd, "udp://[fd00::2]:8125"),
        (Statsd, "192.168.1.2:8125"),
        (Prometheus, "gateway.1-2:9091"),
    ] {
        assert!(Endpoint::parse(f, good).is_ok(), "{good}");
    }
    let ipv4 = Some("a host that ends in a number must be an IPv4 address of four numbers from 0 to 255, such as 10.0.0.1");
    let ipv6 = Some("a host in brackets must be an IPv6 address, such as [::1]");
    let userinfo = Some("the user name and password before `@` may hold %XX escapes of UTF-8 text, and no spaces, control characters or `\\`");
    for (f, bad, detail) in [
        (Json, "http://a%zz@example.com:80/x", userinfo),
        (Json, "http://a%4@example.com:80", userinfo),
        (Json, "http://a%@example.com:80", userinfo),
        (Json, "http://a%C3@example.com:80", userinfo),
        (Json, "http://a%C3:%A9@example.com:80", userinfo),
        (Json, "http://a\\b@example.com:80", userinfo),
        (Json, "http://a\tb@example.com:80", userinfo),
        (Json, "http://a\u{7f}b@example.com:80", userinfo),
        (Json, "http://999.1.1.1:80", ipv4),
        (Json, "http://1.2.3.4.5:80", ipv4),
        (Json, "http://0x100000000:80", ipv4),
        (Json, "http://0x7f000001:80", ipv4),
        (Json, "http://2130706433:80", ipv4),
        (Json, "http://127.1:80", ipv4),
        (Json, "http://1.2.3.04:80", ipv4),
        (Json, "http://1.2.3.4.:80", ipv4),
        (Json, "http://example.0x:80", ipv4),
        (Json, "http://example.09:80", ipv4),
        (Prometheus, "999.1.1.1:9091", ipv4),
        (Statsd, "udp://300.1.1.1:8125", ipv4),
        (Json, "http://[::1::2]:80", ipv6),
        (Json, "http://[1.2.3.4]:80", ipv6),
        (Json, "http://[fe80::1%25eth0]:80", ipv6),
        (Json, "http://[]:80", ipv6),
        (Statsd, "udp://[::g]:8125", ipv6),
    ] {
        let refused = Endpoint::parse(f, bad).err();
        assert_eq!(refused.and_then(|r| r.detail), detail, "{bad}");
        assert_eq!(refused.map(|r| r.expected), Some(endpoint::expected(f)));
    }
}

#[test]
fn a_refused_endpoint_is_a_range_error_that_says_why() {
    let options = crate::core::config::Value::Object(vec![
        (
            "enableTelemetry".into(),
            crate::core::config::Value::Bool(true),
        ),
        (
            "telemetryExport".into(),
            crate::core::config::Value::Bool(true),
        ),
        (
            "telemetryExportEndpoint".into(),
            crate::core::config::Value::Str("http://999.1.1.1:80".into()),
        ),
    ]);
    let err = Settings::from_value(&options).unwrap_err();
    assert_eq!(err.kind(), crate::core::config::ErrorKind::Range);
    assert_eq!(
        err.to_string(),
        "option `telemetryExportEndpoint` must be a Pushgateway as \"host:port\" or an http(s):// URL, \
         got \"http://999.1.1.1:80\": a host that ends in a number must be an IPv4 address of four \
         numbers from 0 to 255, such as 10.0.0.1"
    );
}

#[test]
fn targets_add_the_pushgateway_grouping_path() {
    use ExportFormat::{Json, Prometheus, Statsd};
    let target = |f, s: &str, job: &str| Endpoint::parse(f, s).unwrap().target(f, job, "a1b2");
    let http = |url: &str, method: &'static str, content_type: &'static str| Target::Http {
        url: url.into(),
        method,
        content_type,
    };
    let prom = prometheus::CONTENT_TYPE;
    assert_eq!(
        target(Prometheus, "127.0.0.1:9091", "web"),
        http(
            "http://127.0.0.1:9091/metrics/job/web/instance/a1b2",
            "PUT",
            prom
        )
    );
    assert_eq!(
        target(Prometheus, "https://gw.example/base/", "team/orders"),
        http(
            "https://gw.example/base/metrics/job@base64/dGVhbS9vcmRlcnM/instance/a1b2",
            "PUT",
            prom
        )
    );
    assert_eq!(
        target(Prometheus, "http://gw:9091/metrics/job/fixed?x=1", "web"),
        http("http://gw:9091/metrics/job/fixed?x=1", "PUT", prom)
    );
    assert_eq!(
        target(Statsd, "udp://[::1]:8125", "web"),
        Target::Udp {
            host: "::1".into(),
            port: 8125
        }
    );
    assert_eq!(
        target(Statsd, "http://127.0.0.1:1/lines?tags=a:b", "web"),
        http(
            "http://127.0.0.1:1/lines?tags=a:b",
            "POST",
            "text/plain; charset=utf-8"
        )
    );
    assert_eq!(
        target(Json, "127.0.0.1:8080", "web"),
        http("http://127.0.0.1:8080", "POST", "application/json")
    );
    assert_eq!(grouping("job", ""), "/job@base64/=");
    assert_eq!(grouping("job", ".."), "/job@base64/Li4");
    assert_eq!(grouping("job", "a b"), "/job@base64/YSBi");
    let mut out = String::new();
    target(Statsd, "127.0.0.1:8125", "x")
        .write_json(&mut out)
        .unwrap();
    assert_eq!(out, r#"{"transport":"udp","host":"127.0.0.1","port":8125}"#);
}

#[test]
fn base64url_matches_rfc_4648_vectors() {
    for (plain, coded) in [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64url(plain.as_bytes()), coded);
    }
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
}

#[test]
fn settings_check_the_endpoint_against_the_format() {
    use crate::core::config::{ErrorKind, Value};
    let opts = |pairs: &[(&str, Value)]| {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    };
    let on = |format: &str, endpoint: Option<&str>| {
        let mut p = vec![
            ("enableTelemetry", Value::Bool(true)),
            ("telemetryExport", Value::Bool(true)),
            ("telemetryExportFormat", Value::Str(format.into())),
        ];
        if let Some(e) = endpoint {
            p.push(("telemetryExportEndpoint", Value::Str(e.into())));
        }
        Settings::from_value(&opts(&p))
    };
    assert!(on("statsd", Some("udp://127.0.0.1:8125?tags=a:b")).is_ok());
    assert!(on("prometheus", Some("http://gw:9091/?flavor=nope")).is_ok());
    let err = on("json", Some("udp://127.0.0.1:8125")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Range);
    assert!(err.to_string().contains("telemetryExportEndpoint"), "{err}");
    let err = on("statsd", Some("127.0.0.1:8125?flavor=x")).unwrap_err();
    assert!(err.to_string().contains("telemetryExportEndpoint"), "{err}");
    let err = on("json", None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Type);
    assert!(err.to_string().contains("telemetryExportEndpoint"), "{err}");
}
