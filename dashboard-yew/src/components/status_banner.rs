//! The connection line: connecting, waiting for a first frame, live, late, disconnected or
//! a message that was not a frame.

use yew::prelude::*;

use super::StateProps;
use crate::format;
use crate::state::{Connection, Retry};
use cache_wasm::core::frame_types::FrameDoc;

/// The status line's class and words for `connection`, with `latest` the shown frame.
pub fn describe(connection: &Connection, latest: Option<&FrameDoc>) -> (&'static str, String) {
    match connection {
        Connection::Connecting => ("wait", "Connecting to the frame source…".to_string()),
        Connection::Waiting => (
            "wait",
            if latest.is_some() {
                "Connected; waiting for the next frame.".to_string()
            } else {
                "Connected; waiting for the first metric frame.".to_string()
            },
        ),
        Connection::Live => match latest {
            Some(f) => (
                "live",
                format!(
                    "Live: frame #{} at {} UTC, every {}.",
                    f.seq,
                    format::clock(f.ts_ms),
                    format::seconds(f.interval_s)
                ),
            ),
            None => ("wait", "Cleared; waiting for the next frame.".to_string()),
        },
        Connection::Stale(s) => (
            "stale",
            format!("No frame for {s} s: is the cache still running?"),
        ),
        Connection::Disconnected(why, Retry::Browser) => (
            "down",
            format!("Disconnected ({why}); the browser is reconnecting."),
        ),
        Connection::Disconnected(why, Retry::After(ms)) => (
            "down",
            format!(
                "Disconnected ({why}); trying again in {} s.",
                ms.div_ceil(1_000)
            ),
        ),
        Connection::Rejected(why) => (
            "down",
            format!("A message was not a frame ({why}); waiting for the next one."),
        ),
    }
}

/// What screen readers are told of `connection`: its state, without what changes with every
/// frame (the frame's number and time) or every second (how long the source has been quiet, the
/// wait before a retry), so that a live region announces changes of state only.
pub fn announce(connection: &Connection, latest: Option<&FrameDoc>) -> String {
    match connection {
        Connection::Live => match latest {
            Some(f) => format!("Live: a frame every {}.", format::seconds(f.interval_s)),
            None => "Cleared; waiting for the next frame.".to_string(),
        },
        Connection::Stale(_) => "Frames stopped arriving: is the cache still running?".to_string(),
        Connection::Disconnected(why, Retry::After(_)) => {
            format!("Disconnected ({why}); trying again.")
        }
        _ => describe(connection, latest).1,
    }
}

const PAUSED: &str = "Paused: the view is frozen while frames are still recorded.";

/// The status line, and a live region beside it that screen readers announce politely when
/// the state changes.
#[function_component]
pub fn StatusBanner(p: &StateProps) -> Html {
    let state = &p.state;
    let view = state.shown();
    let latest = view.latest.map(|f| &**f);
    let (class, text) = describe(&state.connection, latest);
    let mut said = announce(&state.connection, latest);
    if state.paused() {
        said.push(' ');
        said.push_str(PAUSED);
    }
    let paused = state
        .paused()
        .then(|| html! { <span class="cwd-paused">{ PAUSED }</span> });
    html! {
        <>
            <p class={classes!("cwd-status", class)}>
                <span class="cwd-dot" aria-hidden="true"></span>
                <span class="cwd-status-text">{ text }</span>
                { for paused }
            </p>
            <p class="cwd-sr" role="status" aria-live="polite">{ said }</p>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_say_what_happens_next() {
        let (class, text) = describe(&Connection::Rejected("not a frame: null".into()), None);
        assert_eq!(class, "down");
        assert_eq!(
            text,
            "A message was not a frame (not a frame: null); waiting for the next one."
        );
        let (_, text) = describe(
            &Connection::Disconnected("the event stream dropped".into(), Retry::Browser),
            None,
        );
        assert_eq!(
            text,
            "Disconnected (the event stream dropped); the browser is reconnecting."
        );
        let (_, text) = describe(
            &Connection::Disconnected("HTTP 503".into(), Retry::After(4_000)),
            None,
        );
        assert_eq!(text, "Disconnected (HTTP 503); trying again in 4 s.");
    }

    #[test]
    fn what_is_announced_changes_with_the_state_only() {
        let frame = |seq: u64| FrameDoc {
            seq,
            ts_ms: 1_700_006_400_000.0 + seq as f64 * 1_000.0,
            interval_s: 1.0,
            ..FrameDoc::default()
        };
        let live = announce(&Connection::Live, Some(&frame(1)));
        assert_eq!(live, "Live: a frame every 1.0 s.");
        assert_eq!(announce(&Connection::Live, Some(&frame(2))), live);
        assert_eq!(
            announce(&Connection::Stale(6), Some(&frame(2))),
            announce(&Connection::Stale(60), Some(&frame(2)))
        );
        let retry = |ms| Connection::Disconnected("HTTP 503".into(), Retry::After(ms));
        assert_eq!(
            announce(&retry(1_000), None),
            "Disconnected (HTTP 503); trying again."
        );
        assert_eq!(announce(&retry(1_000), None), announce(&retry(8_000), None));
        let rejected = Connection::Rejected("not a frame: null".into());
        assert_eq!(announce(&rejected, None), describe(&rejected, None).1);
    }

    #[test]
    fn the_live_line_says_the_interval() {
        let mut f = FrameDoc {
            seq: 3,
            ts_ms: 1_700_006_400_000.0 + 3_723_000.0,
            interval_s: 1.5,
            ..FrameDoc::default()
        };
        let (class, text) = describe(&Connection::Live, Some(&f));
        assert_eq!(class, "live");
        assert_eq!(text, "Live: frame #3 at 01:02:03 UTC, every 1.5 s.");
        f.interval_s = -3.0;
        let (_, text) = describe(&Connection::Live, Some(&f));
        assert_eq!(text, "Live: frame #3 at 01:02:03 UTC, every –.");
        f.interval_s = 1e308;
        let (_, text) = describe(&Connection::Live, Some(&f));
        assert_eq!(text, "Live: frame #3 at 01:02:03 UTC, every > 1000 d.");
    }
}
