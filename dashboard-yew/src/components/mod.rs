//! The dashboard's components, one a file. Each reads the state it is given and draws it;
//! only the toolbar and the source picker send actions.

pub mod alerts_panel;
pub mod app;
pub mod capacity_panel;
pub mod errors_panel;
pub mod evictions_panel;
pub mod hit_rate_panel;
pub mod latency_panel;
pub mod layers_table;
pub mod source_picker;
pub mod status_banner;
pub mod throughput_panel;
pub mod tiles;
pub mod toolbar;
pub mod ttl_panel;

use std::rc::Rc;

use yew::prelude::*;

use crate::history::Point;
use crate::state::DashboardState;

/// The props of every panel: the dashboard's state.
#[derive(Properties, PartialEq, Clone)]
pub struct StateProps {
    /// The state, with its dispatcher.
    pub state: UseReducerHandle<DashboardState>,
}

/// The points of the shown view in the chosen period, and their times.
pub fn points(state: &DashboardState) -> (Vec<Point>, Rc<Vec<f64>>) {
    let points: Vec<Point> = state
        .shown()
        .history
        .map(|h| h.points(state.period).into_iter().cloned().collect())
        .unwrap_or_default();
    let times = Rc::new(points.iter().map(|p| p.ts_ms).collect());
    (points, times)
}

/// The sums over the chosen period (zero before the first frame).
pub fn period_total(state: &DashboardState) -> Point {
    state
        .shown()
        .history
        .and_then(|h| h.total(state.period))
        .unwrap_or_default()
}

/// Words for the chosen period, for captions.
pub fn period_words(state: &DashboardState) -> &'static str {
    match state.period {
        crate::history::Period::Live => "recent frames",
        crate::history::Period::Hour => "last hour",
        crate::history::Period::Day => "last day",
    }
}
