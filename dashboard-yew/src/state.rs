//! The dashboard's state and its reducer: frames, sources, period, pause, clear, connection.
//!
//! Components read a [`DashboardState`] and send [`Action`]s; [`DashboardState::apply`] is
//! the whole logic and is tested natively. Frames are kept apart by source (cache and
//! instance); one source is shown at a time, and the alert log holds every source's alerts.
//! Yew's `use_reducer` drives it through [`yew::Reducible`].

use std::collections::VecDeque;
use std::rc::Rc;

use cache_wasm::core::frame_types::FrameDoc;
use yew::Reducible;

use crate::history::{History, Period};

/// Alert transitions kept in the alert panel's history.
pub const ALERT_LOG: usize = 50;

/// A frame counts as late after this many intervals without one.
const STALE_INTERVALS: f64 = 3.0;
/// ... and never sooner than this, in ms.
const STALE_MIN_MS: f64 = 5_000.0;

/// Sources followed at most; a new one beyond it replaces the one heard from least recently.
pub const SOURCES: usize = 16;

/// How the frame source is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum Connection {
    /// Setting up (opening a stream, first poll).
    Connecting,
    /// Connected; no frame yet.
    Waiting,
    /// Frames are arriving.
    Live,
    /// Frames stopped arriving: none for this many seconds.
    Stale(u64),
    /// The source failed, for this reason; [`Retry`] says what happens next.
    Disconnected(String, Retry),
    /// A message was not a frame, for this reason; the source is still listened to.
    Rejected(String),
}

/// What follows a failed source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// The browser reconnects by itself.
    Browser,
    /// The dashboard tries again after this many ms.
    After(u32),
}

/// One alert transition, as the alert panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertEntry {
    /// The frame's cache name.
    pub cache: String,
    /// The frame's instance.
    pub instance: String,
    /// `alertType`.
    pub kind: String,
    /// `"firing"` or `"resolved"`.
    pub state: String,
    /// A fraction for miss rate, ms for latency.
    pub value: f64,
    /// Same unit.
    pub threshold: f64,
    /// The op watched.
    pub op: String,
    /// The layer watched.
    pub layer: String,
    /// When, ms since the epoch.
    pub at_ms: f64,
}

/// Something that changes the dashboard.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A new frame arrived at `received_ms` (local clock).
    Frame {
        /// The frame.
        frame: Rc<FrameDoc>,
        /// When it arrived, ms since the epoch.
        received_ms: f64,
    },
    /// Show another period.
    Period(Period),
    /// Freeze what is shown; frames are still recorded.
    Pause,
    /// Show the recorded frames again, caught up.
    Resume,
    /// Forget every frame and alert; wait for the next frame.
    Clear,
    /// The source reports its state.
    Connection(Connection),
    /// Time passes (local clock, ms): detects a source that went quiet.
    Tick(f64),
    /// Show the frames of another source.
    Select(SourceKey),
}

/// Where frames come from: a cache's name and the process or isolate that built them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceKey {
    /// The frame's `cache`.
    pub cache: String,
    /// The frame's `instance`.
    pub instance: String,
}

impl SourceKey {
    /// The source of `frame`.
    pub fn of(frame: &FrameDoc) -> SourceKey {
        SourceKey {
            cache: frame.cache.clone(),
            instance: frame.instance.clone(),
        }
    }
}

/// The frames of one source: its newest frame and its history.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// Which source.
    pub key: SourceKey,
    /// Its newest frame.
    pub latest: Rc<FrameDoc>,
    /// Its points for the charts.
    pub history: History,
    /// Its frames recorded since the start or the last clear.
    pub frames: u64,
    /// When its newest frame arrived (local clock), ms since the epoch.
    pub received_ms: f64,
}

/// Everything recorded: each source's frames, in the order first seen, and the alert log
/// of all of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    /// The sources seen, first seen first; at most [`SOURCES`].
    pub sources: Vec<Rc<Source>>,
    /// Alert transitions of every source, newest first.
    pub alerts: VecDeque<AlertEntry>,
    /// Frames recorded since the start or the last clear, of every source.
    pub frames: u64,
}

impl Recorded {
    /// The source of `key`, if seen.
    pub fn source(&self, key: &SourceKey) -> Option<&Rc<Source>> {
        self.sources.iter().find(|s| s.key == *key)
    }

    /// The source shown for the choice `selected`: that one when seen, else the first seen.
    pub fn pick(&self, selected: Option<&SourceKey>) -> Option<&Rc<Source>> {
        selected
            .and_then(|k| self.source(k))
            .or_else(|| self.sources.first())
    }

    /// Records `frame` into its source's history and its alerts into the shared log; a new
    /// source beyond [`SOURCES`] replaces the one heard from least recently, never the one
    /// shown for `selected`.
    fn record(&mut self, frame: &Rc<FrameDoc>, received_ms: f64, selected: Option<&SourceKey>) {
        let key = SourceKey::of(frame);
        if let Some(s) = self.sources.iter_mut().find(|s| s.key == key) {
            let s = Rc::make_mut(s);
            s.history.push(frame);
            s.latest = Rc::clone(frame);
            s.frames = s.frames.saturating_add(1);
            s.received_ms = received_ms;
        } else {
            if self.sources.len() >= SOURCES {
                let keep = self.pick(selected).map(|s| s.key.clone());
                let keep = keep.as_ref();
                let oldest = self
                    .sources
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| Some(&s.key) != keep)
                    .min_by(|a, b| a.1.received_ms.total_cmp(&b.1.received_ms))
                    .map(|(i, _)| i);
                if let Some(i) = oldest {
                    self.sources.remove(i);
                }
            }
            let mut history = History::default();
            history.push(frame);
            self.sources.push(Rc::new(Source {
                key,
                latest: Rc::clone(frame),
                history,
                frames: 1,
                received_ms,
            }));
        }
        for a in frame.alerts.iter().rev() {
            self.alerts.push_front(AlertEntry {
                cache: frame.cache.clone(),
                instance: frame.instance.clone(),
                kind: a.kind.clone(),
                state: a.state.clone(),
                value: a.value,
                threshold: a.threshold,
                op: a.op.clone(),
                layer: a.layer.clone(),
                at_ms: a.at_ms,
            });
        }
        self.alerts.truncate(ALERT_LOG);
        self.frames = self.frames.saturating_add(1);
    }
}

/// What the panels draw: one source's newest frame and history, and the alert log of all
/// sources.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View<'a> {
    /// The shown source's newest frame.
    pub latest: Option<&'a Rc<FrameDoc>>,
    /// The shown source's points for the charts.
    pub history: Option<&'a History>,
    /// Alert transitions of every source, newest first.
    pub alerts: &'a VecDeque<AlertEntry>,
    /// Frames recorded, of every source.
    pub frames: u64,
}

/// The dashboard's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardState {
    /// Everything recorded.
    pub live: Recorded,
    /// What was shown when paused; `None` when running.
    pub frozen: Option<Recorded>,
    /// The source chosen to be shown; `None` shows the first seen.
    pub selected: Option<SourceKey>,
    /// The period the charts cover.
    pub period: Period,
    /// The source's state.
    pub connection: Connection,
    /// The time of the last tick (local clock), ms since the epoch.
    now_ms: Option<f64>,
}

impl Default for DashboardState {
    fn default() -> Self {
        DashboardState {
            live: Recorded::default(),
            frozen: None,
            selected: None,
            period: Period::Live,
            connection: Connection::Connecting,
            now_ms: None,
        }
    }
}

impl DashboardState {
    /// What the panels draw: the chosen source of the frozen recording when paused, else
    /// of the live one.
    pub fn shown(&self) -> View<'_> {
        let (recorded, source) = self.shown_source();
        View {
            latest: source.map(|s| &s.latest),
            history: source.map(|s| &s.history),
            alerts: &recorded.alerts,
            frames: recorded.frames,
        }
    }

    /// The sources seen, first seen first.
    pub fn sources(&self) -> &[Rc<Source>] {
        &self.live.sources
    }

    /// The key of the source shown.
    pub fn shown_key(&self) -> Option<&SourceKey> {
        self.shown_source().1.map(|s| &s.key)
    }

    /// The recording drawn (the frozen one when paused) and its source shown.
    fn shown_source(&self) -> (&Recorded, Option<&Rc<Source>>) {
        let recorded = self.frozen.as_ref().unwrap_or(&self.live);
        (recorded, recorded.pick(self.selected.as_ref()))
    }

    /// Whether the view is frozen.
    pub fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    /// Frames recorded while paused and not shown yet.
    pub fn unseen(&self) -> u64 {
        self.frozen
            .as_ref()
            .map_or(0, |f| self.live.frames.saturating_sub(f.frames))
    }

    /// How long the shown source has been quiet at `now_ms`, in whole seconds, when that
    /// counts as late.
    fn late(&self, now_ms: f64) -> Option<u64> {
        let s = self.live.pick(self.selected.as_ref())?;
        let quiet = now_ms - s.received_ms;
        let limit = (s.latest.interval_s * 1000.0 * STALE_INTERVALS).max(STALE_MIN_MS);
        (quiet > limit).then_some((quiet / 1000.0) as u64)
    }

    /// Marks the connection late, or live again, from the shown source's last frame.
    fn check_late(&mut self) {
        let Some(now) = self.now_ms else { return };
        if matches!(self.connection, Connection::Live | Connection::Stale(_)) {
            self.connection = match self.late(now) {
                Some(s) => Connection::Stale(s),
                None => Connection::Live,
            };
        }
    }

    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Frame { frame, received_ms } => {
                self.live
                    .record(&frame, received_ms, self.selected.as_ref());
                // Frames of another source do not hide that the shown one went quiet.
                let shown = self.live.pick(self.selected.as_ref());
                if shown.is_some_and(|s| Rc::ptr_eq(&s.latest, &frame))
                    || !matches!(self.connection, Connection::Stale(_))
                {
                    self.connection = Connection::Live;
                }
            }
            Action::Select(key) => {
                if let (Some(frozen), Some(s)) = (self.frozen.as_mut(), self.live.source(&key)) {
                    // A source first seen after the pause is shown as it was when chosen.
                    if frozen.source(&key).is_none() {
                        frozen.sources.push(Rc::clone(s));
                    }
                }
                self.selected = Some(key);
                self.check_late();
            }
            Action::Period(p) => self.period = p,
            Action::Pause => {
                if self.frozen.is_none() {
                    self.frozen = Some(self.live.clone());
                }
            }
            Action::Resume => self.frozen = None,
            Action::Clear => {
                self.live = Recorded::default();
                if self.frozen.is_some() {
                    self.frozen = Some(Recorded::default());
                }
                if matches!(self.connection, Connection::Live | Connection::Stale(_)) {
                    self.connection = Connection::Waiting;
                }
            }
            Action::Connection(c) => {
                // A source that (re)opens while frames flow stays live.
                let keep = matches!(c, Connection::Waiting | Connection::Connecting)
                    && self.connection == Connection::Live;
                if !keep {
                    self.connection = c;
                }
            }
            Action::Tick(now_ms) => {
                self.now_ms = Some(now_ms);
                self.check_late();
            }
        }
    }
}

impl Reducible for DashboardState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = Rc::unwrap_or_clone(self);
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cache_wasm::core::frame_types::AlertEventDoc;

    const T0: f64 = 1_700_006_400_000.0;

    fn frame(seq: u64, gets: u64, hits: u64) -> Rc<FrameDoc> {
        let mut f = FrameDoc {
            seq,
            ts_ms: T0 + seq as f64 * 1_000.0,
            interval_s: 1.0,
            cache: "c".into(),
            ..FrameDoc::default()
        };
        f.window.gets = gets;
        f.window.hits = hits;
        f.window.misses = gets - hits;
        Rc::new(f)
    }

    fn got(seq: u64) -> Action {
        Action::Frame {
            frame: frame(seq, 10, 5),
            received_ms: T0 + seq as f64 * 1_000.0,
        }
    }

    fn reduce(state: DashboardState, actions: impl IntoIterator<Item = Action>) -> DashboardState {
        let mut s = Rc::new(state);
        for a in actions {
            s = s.reduce(a);
        }
        Rc::unwrap_or_clone(s)
    }

    #[test]
    fn frames_update_the_view_and_the_connection() {
        let s = DashboardState::default();
        assert_eq!(s.connection, Connection::Connecting);
        assert!(s.shown().latest.is_none());
        let s = reduce(s, [Action::Connection(Connection::Waiting), got(1), got(2)]);
        assert_eq!(s.connection, Connection::Live);
        assert_eq!(s.shown().frames, 2);
        assert_eq!(s.shown().latest.as_ref().map(|f| f.seq), Some(2));
        assert_eq!(
            s.shown().history.map(|h| h.points(Period::Live).len()),
            Some(2)
        );
    }

    #[test]
    fn pause_freezes_the_view_and_resume_catches_up() {
        let s = reduce(
            DashboardState::default(),
            [got(1), Action::Pause, got(2), got(3)],
        );
        assert!(s.paused());
        assert_eq!(s.shown().latest.as_ref().map(|f| f.seq), Some(1));
        assert_eq!(s.unseen(), 2);
        assert_eq!(s.live.frames, 3, "frames are still recorded");
        let s = reduce(s, [Action::Pause]);
        assert_eq!(s.shown().frames, 1, "pausing twice keeps the first freeze");
        let s = reduce(s, [Action::Resume]);
        assert!(!s.paused());
        assert_eq!(s.shown().latest.as_ref().map(|f| f.seq), Some(3));
        assert_eq!(s.unseen(), 0);
    }

    #[test]
    fn clear_forgets_everything_and_waits() {
        let s = reduce(DashboardState::default(), [got(1), got(2), Action::Clear]);
        assert!(s.shown().latest.is_none());
        assert!(s.shown().history.is_none());
        assert_eq!(s.connection, Connection::Waiting);
        let s = reduce(s, [Action::Pause, got(3), Action::Clear]);
        assert!(s.paused(), "clear keeps a pause");
        assert_eq!(s.shown().frames, 0);
        assert_eq!(s.live.frames, 0);
    }

    #[test]
    fn the_period_switch_changes_the_period_only() {
        let s = reduce(
            DashboardState::default(),
            [got(1), Action::Period(Period::Day)],
        );
        assert_eq!(s.period, Period::Day);
        assert_eq!(s.shown().frames, 1);
        let s = reduce(s, [Action::Period(Period::Hour)]);
        assert_eq!(s.period, Period::Hour);
    }

    #[test]
    fn alerts_are_logged_newest_first_and_bounded() {
        let mut f = (*frame(1, 10, 0)).clone();
        let event = |state: &str, at: f64| AlertEventDoc {
            kind: "high_miss_rate".into(),
            state: state.into(),
            value: 1.0,
            threshold: 0.5,
            op: "get".into(),
            layer: "memory".into(),
            at_ms: at,
            ..AlertEventDoc::default()
        };
        f.alerts = vec![event("firing", 1.0)];
        let mut g = f.clone();
        g.seq = 2;
        g.alerts = vec![event("resolved", 2.0)];
        let s = reduce(
            DashboardState::default(),
            [
                Action::Frame {
                    frame: Rc::new(f.clone()),
                    received_ms: T0,
                },
                Action::Frame {
                    frame: Rc::new(g),
                    received_ms: T0,
                },
            ],
        );
        let states: Vec<&str> = s.shown().alerts.iter().map(|a| a.state.as_str()).collect();
        assert_eq!(states, ["resolved", "firing"]);
        let many = (0..80).map(|k| Action::Frame {
            frame: Rc::new(FrameDoc {
                seq: k,
                ..f.clone()
            }),
            received_ms: T0,
        });
        let s = reduce(s, many);
        assert_eq!(s.shown().alerts.len(), ALERT_LOG);
    }

    #[test]
    fn a_quiet_source_goes_stale_and_a_frame_brings_it_back() {
        let s = reduce(DashboardState::default(), [got(1)]);
        let at = T0 + 1_000.0;
        let s = reduce(s, [Action::Tick(at + 4_000.0)]);
        assert_eq!(s.connection, Connection::Live, "under the 5 s floor");
        let s = reduce(s, [Action::Tick(at + 6_500.0)]);
        assert_eq!(s.connection, Connection::Stale(6));
        let s = reduce(s, [got(9)]);
        assert_eq!(s.connection, Connection::Live);
    }

    #[test]
    fn a_clear_while_late_waits_for_the_next_frame() {
        let s = reduce(DashboardState::default(), [got(1)]);
        let s = reduce(s, [Action::Tick(T0 + 8_000.0), Action::Clear]);
        assert_eq!(s.connection, Connection::Waiting);
        let s = reduce(s, [Action::Tick(T0 + 60_000.0)]);
        assert_eq!(s.connection, Connection::Waiting, "nothing to be late with");
        let s = reduce(s, [got(2)]);
        assert_eq!(s.connection, Connection::Live);
    }

    #[test]
    fn source_states_are_shown_but_do_not_hide_live_frames() {
        let s = reduce(
            DashboardState::default(),
            [Action::Connection(Connection::Disconnected(
                "HTTP 503".into(),
                Retry::After(1_000),
            ))],
        );
        assert_eq!(
            s.connection,
            Connection::Disconnected("HTTP 503".into(), Retry::After(1_000))
        );
        let s = reduce(s, [Action::Tick(T0 + 1e9)]);
        assert_eq!(
            s.connection,
            Connection::Disconnected("HTTP 503".into(), Retry::After(1_000)),
            "a tick does not hide a failure"
        );
        let s = reduce(s, [got(1), Action::Connection(Connection::Waiting)]);
        assert_eq!(s.connection, Connection::Live);
        let s = reduce(
            s,
            [Action::Connection(Connection::Disconnected(
                "gone".into(),
                Retry::Browser,
            ))],
        );
        assert_eq!(
            s.connection,
            Connection::Disconnected("gone".into(), Retry::Browser)
        );
    }

    fn of(cache: &str, instance: &str, seq: u64, gets: u64, entries: u64) -> Action {
        let mut f = (*frame(seq, gets, 0)).clone();
        f.cache = cache.into();
        f.instance = instance.into();
        f.totals.size.entries = entries;
        Action::Frame {
            frame: Rc::new(f),
            received_ms: T0 + seq as f64 * 1_000.0,
        }
    }

    fn key(cache: &str, instance: &str) -> SourceKey {
        SourceKey {
            cache: cache.into(),
            instance: instance.into(),
        }
    }

    /// The cache names, entries and gets of the shown source's newest frame and history.
    fn shown(s: &DashboardState) -> (String, u64, Vec<u64>) {
        let v = s.shown();
        let latest = v.latest.map(|f| (f.cache.clone(), f.totals.size.entries));
        let (name, entries) = latest.unwrap_or_default();
        let gets = v
            .history
            .map(|h| h.points(Period::Live).iter().map(|p| p.gets).collect())
            .unwrap_or_default();
        (name, entries, gets)
    }

    #[test]
    fn interleaved_sources_never_mix_and_the_first_seen_is_shown() {
        // Two caches on one channel, and two instances of one cache, frames interleaved.
        let s = reduce(
            DashboardState::default(),
            [
                of("a", "i1", 1, 10, 100),
                of("b", "i1", 1, 70, 7),
                of("a", "i2", 1, 50, 5),
                of("a", "i1", 2, 11, 101),
                of("b", "i1", 2, 71, 8),
                of("a", "i2", 2, 51, 6),
                of("a", "i1", 3, 12, 102),
                of("b", "i1", 3, 72, 9),
            ],
        );
        assert_eq!(shown(&s), ("a".into(), 102, vec![10, 11, 12]));
        assert_eq!(s.shown_key(), Some(&key("a", "i1")));
        let seen: Vec<(&str, &str, u64)> = s
            .sources()
            .iter()
            .map(|x| (x.key.cache.as_str(), x.key.instance.as_str(), x.frames))
            .collect();
        assert_eq!(seen, [("a", "i1", 3), ("b", "i1", 3), ("a", "i2", 2)]);
        assert_eq!(s.live.frames, 8);
    }

    #[test]
    fn choosing_a_source_shows_its_own_history() {
        let s = reduce(
            DashboardState::default(),
            [
                of("a", "i1", 1, 10, 100),
                of("b", "i1", 1, 70, 7),
                of("a", "i1", 2, 11, 101),
                Action::Select(key("b", "i1")),
            ],
        );
        assert_eq!(shown(&s), ("b".into(), 7, vec![70]));
        let s = reduce(s, [of("a", "i1", 3, 12, 102), of("b", "i1", 2, 71, 8)]);
        assert_eq!(shown(&s), ("b".into(), 8, vec![70, 71]));
        let s = reduce(s, [Action::Select(key("a", "i1"))]);
        assert_eq!(shown(&s), ("a".into(), 102, vec![10, 11, 12]));
        let s = reduce(s, [Action::Select(key("gone", "x"))]);
        assert_eq!(shown(&s).0, "a", "an unknown choice shows the first seen");
    }

    #[test]
    fn a_source_chosen_while_paused_is_shown_frozen() {
        let s = reduce(
            DashboardState::default(),
            [
                of("a", "i1", 1, 10, 100),
                Action::Pause,
                of("b", "i1", 1, 70, 7),
            ],
        );
        assert_eq!(shown(&s).0, "a");
        let s = reduce(s, [Action::Select(key("b", "i1")), of("b", "i1", 2, 71, 8)]);
        assert_eq!(shown(&s), ("b".into(), 7, vec![70]));
        let s = reduce(s, [Action::Resume]);
        assert_eq!(shown(&s), ("b".into(), 8, vec![70, 71]));
    }

    #[test]
    fn alerts_of_every_source_are_kept_with_their_cache() {
        let with_alert = |cache: &str, seq: u64, state: &str| {
            let mut f = (*frame(seq, 10, 0)).clone();
            f.cache = cache.into();
            f.instance = "i".into();
            f.alerts = vec![AlertEventDoc {
                kind: "high_miss_rate".into(),
                state: state.into(),
                at_ms: seq as f64,
                ..AlertEventDoc::default()
            }];
            Action::Frame {
                frame: Rc::new(f),
                received_ms: T0,
            }
        };
        let s = reduce(
            DashboardState::default(),
            [
                with_alert("a", 1, "firing"),
                with_alert("b", 1, "firing"),
                with_alert("b", 2, "resolved"),
            ],
        );
        assert_eq!(shown(&s).0, "a");
        let log: Vec<(&str, &str)> = s
            .shown()
            .alerts
            .iter()
            .map(|a| (a.cache.as_str(), a.state.as_str()))
            .collect();
        assert_eq!(log, [("b", "resolved"), ("b", "firing"), ("a", "firing")]);
    }

    #[test]
    fn sources_are_bounded_and_the_shown_one_is_kept() {
        let mut s = reduce(DashboardState::default(), [of("first", "i", 1, 1, 1)]);
        for k in 0..(SOURCES as u64 + 5) {
            s = reduce(s, [of(&format!("c{k}"), "i", k + 2, 1, 1)]);
        }
        assert_eq!(s.sources().len(), SOURCES);
        assert_eq!(shown(&s).0, "first", "the shown source is never dropped");
        assert!(s
            .sources()
            .iter()
            .any(|x| x.key.cache == format!("c{}", SOURCES + 4)));
        assert!(!s.sources().iter().any(|x| x.key.cache == "c0"));
    }

    #[test]
    fn only_the_shown_source_going_quiet_makes_the_view_late() {
        let s = reduce(
            DashboardState::default(),
            [of("a", "i", 1, 1, 1), of("b", "i", 1, 1, 1)],
        );
        // "b" keeps sending, "a" (shown) stopped at T0 + 1 s.
        let s = reduce(s, [of("b", "i", 8, 1, 1), Action::Tick(T0 + 8_000.0)]);
        assert_eq!(s.connection, Connection::Stale(7));
        let s = reduce(s, [of("b", "i", 9, 1, 1)]);
        assert_eq!(s.connection, Connection::Stale(7), "another source's frame");
        let s = reduce(s, [Action::Select(key("b", "i"))]);
        assert_eq!(s.connection, Connection::Live);
        let s = reduce(s, [Action::Select(key("a", "i"))]);
        assert_eq!(s.connection, Connection::Stale(7));
        let s = reduce(s, [of("a", "i", 10, 1, 1)]);
        assert_eq!(s.connection, Connection::Live);
    }
}
