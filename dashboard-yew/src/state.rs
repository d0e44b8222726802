//! The dashboard's state and its reducer: frames, period, pause, clear, connection.
//!
//! Components read a [`DashboardState`] and send [`Action`]s; [`DashboardState::apply`] is
//! the whole logic and is tested natively. Yew's `use_reducer` drives it through
//! [`yew::Reducible`].

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
    /// The source failed; it retries by itself.
    Disconnected(String),
}

/// One alert transition, as the alert panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertEntry {
    /// The frame's cache name.
    pub cache: String,
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
}

/// What the panels draw: the latest frame, the history and the alert log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    /// The newest frame.
    pub latest: Option<Rc<FrameDoc>>,
    /// Points for the charts.
    pub history: History,
    /// Alert transitions, newest first.
    pub alerts: VecDeque<AlertEntry>,
    /// Frames recorded since the start or the last clear.
    pub frames: u64,
}

impl View {
    fn record(&mut self, frame: &Rc<FrameDoc>) {
        self.history.push(frame);
        for a in frame.alerts.iter().rev() {
            self.alerts.push_front(AlertEntry {
                cache: frame.cache.clone(),
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
        self.latest = Some(Rc::clone(frame));
        self.frames = self.frames.saturating_add(1);
    }
}

/// The dashboard's whole state.
#[derive(Clone, Debug, PartialEq)]
pub struct DashboardState {
    /// Everything recorded.
    pub live: View,
    /// What was shown when paused; `None` when running.
    pub frozen: Option<View>,
    /// The period the charts cover.
    pub period: Period,
    /// The source's state.
    pub connection: Connection,
    /// When the last frame arrived (local clock), and its interval in seconds.
    last_frame: Option<(f64, f64)>,
}

impl Default for DashboardState {
    fn default() -> Self {
        DashboardState {
            live: View::default(),
            frozen: None,
            period: Period::Live,
            connection: Connection::Connecting,
            last_frame: None,
        }
    }
}

impl DashboardState {
    /// What the panels draw: the frozen view when paused, else the live one.
    pub fn shown(&self) -> &View {
        self.frozen.as_ref().unwrap_or(&self.live)
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

    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Frame { frame, received_ms } => {
                self.live.record(&frame);
                self.last_frame = Some((received_ms, frame.interval_s));
                self.connection = Connection::Live;
            }
            Action::Period(p) => self.period = p,
            Action::Pause => {
                if self.frozen.is_none() {
                    self.frozen = Some(self.live.clone());
                }
            }
            Action::Resume => self.frozen = None,
            Action::Clear => {
                self.live = View::default();
                if self.frozen.is_some() {
                    self.frozen = Some(View::default());
                }
                if self.connection == Connection::Live {
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
                if let Some((at, interval_s)) = self.last_frame {
                    let quiet = now_ms - at;
                    let limit = (interval_s * 1000.0 * STALE_INTERVALS).max(STALE_MIN_MS);
                    if quiet > limit
                        && matches!(self.connection, Connection::Live | Connection::Stale(_))
                    {
                        self.connection = Connection::Stale((quiet / 1000.0) as u64);
                    }
                }
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
        assert_eq!(s.shown().history.points(Period::Live).len(), 2);
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
        assert!(s.shown().history.is_empty());
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
    fn source_states_are_shown_but_do_not_hide_live_frames() {
        let s = reduce(
            DashboardState::default(),
            [Action::Connection(Connection::Disconnected(
                "HTTP 503".into(),
            ))],
        );
        assert_eq!(s.connection, Connection::Disconnected("HTTP 503".into()));
        let s = reduce(s, [Action::Tick(T0 + 1e9)]);
        assert_eq!(
            s.connection,
            Connection::Disconnected("HTTP 503".into()),
            "a tick does not hide a failure"
        );
        let s = reduce(s, [got(1), Action::Connection(Connection::Waiting)]);
        assert_eq!(s.connection, Connection::Live);
        let s = reduce(
            s,
            [Action::Connection(Connection::Disconnected("gone".into()))],
        );
        assert_eq!(s.connection, Connection::Disconnected("gone".into()));
    }
}
