//! The connection line: connecting, waiting for a first frame, live, late or disconnected.

use yew::prelude::*;

use super::StateProps;
use crate::format;
use crate::state::Connection;

/// The status line; announced politely to screen readers.
#[function_component]
pub fn StatusBanner(p: &StateProps) -> Html {
    let state = &p.state;
    let view = state.shown();
    let (class, text) = match &state.connection {
        Connection::Connecting => ("wait", "Connecting to the frame source…".to_string()),
        Connection::Waiting => (
            "wait",
            if view.latest.is_some() {
                "Connected; waiting for the next frame.".to_string()
            } else {
                "Connected; waiting for the first metric frame.".to_string()
            },
        ),
        Connection::Live => match &view.latest {
            Some(f) => (
                "live",
                format!(
                    "Live: frame #{} at {} UTC, every {:.1} s.",
                    f.seq,
                    format::clock(f.ts_ms),
                    f.interval_s
                ),
            ),
            None => ("wait", "Cleared; waiting for the next frame.".to_string()),
        },
        Connection::Stale(s) => (
            "stale",
            format!("No frame for {s} s: is the cache still running?"),
        ),
        Connection::Disconnected(why) => ("down", format!("Disconnected ({why}); retrying.")),
    };
    let paused = state.paused().then(|| html! {
        <span class="cwd-paused">{ "Paused: the view is frozen while frames are still recorded." }</span>
    });
    html! {
        <p class={classes!("cwd-status", class)} role="status" aria-live="polite">
            <span class="cwd-dot" aria-hidden="true"></span>
            <span class="cwd-status-text">{ text }</span>
            { for paused }
        </p>
    }
}
