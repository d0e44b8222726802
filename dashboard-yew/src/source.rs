//! Frame sources, the parts that need no browser: which kind a `source` string names, how a
//! payload becomes frames, which frames are new, and how often to poll.
//!
//! The browser side (subscriptions, BroadcastChannel, EventSource, fetch) is in `connect.rs`.

use std::collections::HashMap;

use cache_wasm::core::frame_types::FrameDoc;
use serde::Deserialize;

/// The `schema` of the frames the dashboard reads.
pub const SCHEMA: &str = "cache-wasm/frame@1";

/// Poll interval bounds in ms, and the interval before any frame says its own.
pub const POLL_MIN_MS: u32 = 250;
/// The longest poll interval.
pub const POLL_MAX_MS: u32 = 10_000;
/// The poll interval before a frame says its own.
pub const POLL_DEFAULT_MS: u32 = 1_000;

/// What a `source` string names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// `"broadcast:<name>"`: a BroadcastChannel.
    Broadcast(String),
    /// Anything else: a URL serving frames, as JSON or server-sent events.
    Url(String),
}

/// Reads a `source` string; an empty channel name or URL is an error that says what to pass.
pub fn source_kind(s: &str) -> Result<SourceKind, String> {
    if let Some(name) = s.strip_prefix("broadcast:") {
        if name.is_empty() {
            return Err("mountDashboard: source \"broadcast:\" needs a channel name, as in \"broadcast:metrics\"".into());
        }
        return Ok(SourceKind::Broadcast(name.to_string()));
    }
    if s.trim().is_empty() {
        return Err("mountDashboard: source must be a CacheManager, \"broadcast:<name>\" or a URL serving frames; got an empty string".into());
    }
    Ok(SourceKind::Url(s.to_string()))
}

/// The fields every frame must carry, as numbers, although [`FrameDoc`] defaults them: a frame
/// without `seq` would pass as #0, and the gate would then drop each later frame of its cache
/// as older without a word.
#[derive(Deserialize)]
struct Stamp {
    #[serde(rename = "seq")]
    _seq: f64,
    #[serde(rename = "ts_ms")]
    _ts_ms: f64,
}

/// Parses a payload holding one frame or an array of frames; frames of another schema, or
/// without `seq` or `ts_ms`, are an error.
pub fn parse_frames(text: &str) -> Result<Vec<FrameDoc>, String> {
    // Read straight into the types (not through `serde_json::Value`), which keeps the
    // document order of layers and causes.
    let many = text.trim_start().starts_with('[');
    let what = if many { "frames" } else { "a frame" };
    let frames: Vec<FrameDoc> = if many {
        serde_json::from_str(text).map_err(|e| describe(&e, what))?
    } else {
        vec![serde_json::from_str(text).map_err(|e| describe(&e, what))?]
    };
    if let Some(f) = frames.iter().find(|f| f.schema != SCHEMA) {
        return Err(format!(
            "expected frames of schema {SCHEMA:?}, got {:?}",
            f.schema.chars().take(60).collect::<String>()
        ));
    }
    let stamped = if many {
        serde_json::from_str::<Vec<Stamp>>(text).map(drop)
    } else {
        serde_json::from_str::<Stamp>(text).map(drop)
    };
    stamped.map_err(|e| describe(&e, what))?;
    Ok(frames)
}

/// Says why a payload could not be read.
fn describe(e: &serde_json::Error, what: &str) -> String {
    if e.is_syntax() || e.is_eof() {
        format!("not JSON: {e}")
    } else {
        format!("not {what}: {e}")
    }
}

/// Lets each frame through once: a poll that returns the same frame again, or an older one,
/// is dropped. A cache that restarts (lower `seq`, later time) is followed.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    last: HashMap<(String, String), (u64, f64)>,
}

/// Distinct caches followed at most; beyond it the gate starts afresh.
const GATE_CACHES: usize = 256;

impl Gate {
    /// Whether `frame` is new; remembers it when it is.
    pub fn admit(&mut self, frame: &FrameDoc) -> bool {
        let key = (frame.cache.clone(), frame.instance.clone());
        let fresh = match self.last.get(&key) {
            None => true,
            Some(&(seq, ts)) => frame.seq > seq || (frame.seq < seq && frame.ts_ms > ts),
        };
        if fresh {
            if self.last.len() >= GATE_CACHES && !self.last.contains_key(&key) {
                self.last.clear();
            }
            self.last.insert(key, (frame.seq, frame.ts_ms));
        }
        fresh
    }
}

/// The poll interval for frames `interval_s` apart: that interval, within bounds.
pub fn poll_ms(interval_s: f64) -> u32 {
    if !(interval_s.is_finite() && interval_s > 0.0) {
        return POLL_DEFAULT_MS;
    }
    (interval_s * 1000.0).clamp(f64::from(POLL_MIN_MS), f64::from(POLL_MAX_MS)) as u32
}

/// The wait before retry `attempt` (1, 2, …) of a failing source: doubling, at most 10 s.
pub fn backoff_ms(attempt: u32) -> u32 {
    POLL_DEFAULT_MS
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(4))
        .min(POLL_MAX_MS)
}

/// `EventSource.readyState` when the stream is closed for good.
pub const STREAM_CLOSED: u16 = web_sys::EventSource::CLOSED;

/// What a URL source does after its event stream reports an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// The browser is reconnecting by itself (a dropped connection): wait.
    BrowserRetries,
    /// The browser gave up (an HTTP error status or another content type): open the
    /// source again after this many ms.
    Reopen(u32),
}

/// The failures of a URL source in a row, across polls and event streams; they set the
/// wait before the next try, and a frame resets them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Retries {
    failures: u32,
}

impl Retries {
    /// Counts a failure; returns the wait before the next try, in ms.
    pub fn failed(&mut self) -> u32 {
        self.failures = self.failures.saturating_add(1);
        backoff_ms(self.failures)
    }

    /// Frames came: the next failure waits the least again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// What to do when the event stream reports an error while in `ready_state`.
    pub fn stream_error(&mut self, ready_state: u16) -> StreamError {
        if ready_state == STREAM_CLOSED {
            StreamError::Reopen(self.failed())
        } else {
            StreamError::BrowserRetries
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(cache: &str, seq: u64, ts: f64) -> FrameDoc {
        FrameDoc {
            schema: SCHEMA.into(),
            cache: cache.into(),
            instance: "i".into(),
            seq,
            ts_ms: ts,
            ..FrameDoc::default()
        }
    }

    #[test]
    fn source_strings() {
        assert_eq!(
            source_kind("broadcast:m"),
            Ok(SourceKind::Broadcast("m".into()))
        );
        assert_eq!(
            source_kind("/frames"),
            Ok(SourceKind::Url("/frames".into()))
        );
        assert_eq!(
            source_kind("http://h/x"),
            Ok(SourceKind::Url("http://h/x".into()))
        );
        assert!(source_kind("broadcast:")
            .unwrap_err()
            .contains("channel name"));
        assert!(source_kind("  ").unwrap_err().contains("CacheManager"));
    }

    #[test]
    fn payloads_hold_a_frame_or_an_array() {
        let one = format!(r#"{{"schema":"{SCHEMA}","seq":3,"ts_ms":5,"cache":"x"}}"#);
        assert_eq!(parse_frames(&one).unwrap().len(), 1);
        let many = format!("[{one},{one}]");
        assert_eq!(parse_frames(&many).unwrap().len(), 2);
        assert!(parse_frames("nope").unwrap_err().starts_with("not JSON"));
        assert!(parse_frames(r#"{"schema":"other@1"}"#)
            .unwrap_err()
            .contains("expected frames of schema"));
        assert!(parse_frames(r#"{"seq":"one"}"#)
            .unwrap_err()
            .starts_with("not a frame"));
    }

    #[test]
    fn frames_without_a_sequence_number_or_a_time_are_rejected() {
        let no_seq = format!(r#"{{"schema":"{SCHEMA}","ts_ms":5,"cache":"x"}}"#);
        let e = parse_frames(&no_seq).unwrap_err();
        assert!(e.starts_with("not a frame: missing field `seq`"), "{e}");
        let no_ts = format!(r#"{{"schema":"{SCHEMA}","seq":1,"cache":"x"}}"#);
        let e = parse_frames(&no_ts).unwrap_err();
        assert!(e.starts_with("not a frame: missing field `ts_ms`"), "{e}");
        let null_seq = format!(r#"{{"schema":"{SCHEMA}","seq":null,"ts_ms":5}}"#);
        assert!(parse_frames(&null_seq)
            .unwrap_err()
            .starts_with("not a frame"));
        let good = format!(r#"{{"schema":"{SCHEMA}","seq":1,"ts_ms":5}}"#);
        let e = parse_frames(&format!("[{good},{no_seq}]")).unwrap_err();
        assert!(e.starts_with("not frames: missing field `seq`"), "{e}");
        // Without the check, the frame passed as #0 and the gate then dropped every later
        // frame of the cache as older.
        assert_eq!(parse_frames(&good).map(|f| f.len()), Ok(1));
    }

    #[test]
    fn the_gate_lets_each_frame_through_once() {
        let mut g = Gate::default();
        assert!(g.admit(&frame("a", 1, 10.0)));
        assert!(!g.admit(&frame("a", 1, 10.0)), "the same frame again");
        assert!(g.admit(&frame("a", 2, 20.0)));
        assert!(!g.admit(&frame("a", 1, 10.0)), "an older frame");
        assert!(
            g.admit(&frame("b", 1, 10.0)),
            "another cache is followed on its own"
        );
        assert!(
            g.admit(&frame("a", 1, 30.0)),
            "a restarted cache counts from 1 again"
        );
        assert!(g.admit(&frame("a", 2, 31.0)));
    }

    #[test]
    fn the_gate_stays_bounded() {
        let mut g = Gate::default();
        for k in 0..1000 {
            assert!(g.admit(&frame(&k.to_string(), 1, 1.0)));
        }
        assert!(g.last.len() <= GATE_CACHES);
    }

    #[test]
    fn poll_and_retry_intervals() {
        assert_eq!(poll_ms(1.0), 1_000);
        assert_eq!(poll_ms(0.05), POLL_MIN_MS);
        assert_eq!(poll_ms(60.0), POLL_MAX_MS);
        assert_eq!(poll_ms(f64::NAN), POLL_DEFAULT_MS);
        assert_eq!(poll_ms(0.0), POLL_DEFAULT_MS);
        assert_eq!(backoff_ms(1), 1_000);
        assert_eq!(backoff_ms(2), 2_000);
        assert_eq!(backoff_ms(3), 4_000);
        assert_eq!(backoff_ms(9), 10_000);
    }

    #[test]
    fn a_stream_closed_for_good_is_reopened_with_a_growing_wait() {
        let mut r = Retries::default();
        // readyState 0: the browser reconnects by itself; nothing is counted.
        assert_eq!(r.stream_error(0), StreamError::BrowserRetries);
        assert_eq!(r, Retries::default());
        assert_eq!(r.stream_error(STREAM_CLOSED), StreamError::Reopen(1_000));
        // The reopening probe fails too (HTTP 503): the wait keeps growing.
        assert_eq!(r.failed(), 2_000);
        assert_eq!(r.stream_error(STREAM_CLOSED), StreamError::Reopen(4_000));
        for _ in 0..10 {
            r.failed();
        }
        assert_eq!(
            r.stream_error(STREAM_CLOSED),
            StreamError::Reopen(POLL_MAX_MS)
        );
        r.succeeded();
        assert_eq!(r, Retries::default());
        assert_eq!(r.stream_error(STREAM_CLOSED), StreamError::Reopen(1_000));
    }
}
