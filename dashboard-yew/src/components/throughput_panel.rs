//! Operations per second over time: gets, sets and deletes.

use yew::prelude::*;

use super::{points, StateProps};
use crate::charts::line_chart::LineChart;
use crate::charts::{Series, Unit};

/// The throughput chart.
#[function_component]
pub fn ThroughputPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let per_s = |f: fn(&crate::history::Point) -> u64| -> Vec<Option<f64>> {
        points
            .iter()
            .map(|q| (q.span_s > 0.0).then(|| f(q) as f64 / q.span_s))
            .collect()
    };
    let series = vec![
        Series::new(
            "all",
            "s2",
            points.iter().map(|q| Some(q.ops_per_s())).collect(),
        ),
        Series::new("gets", "s1", per_s(|q| q.gets)),
        Series::new("sets", "s4", per_s(|q| q.sets)),
        Series::new("deletes", "s5", per_s(|q| q.deletes)),
    ];
    html! {
        <section class="cwd-panel" data-panel="throughput">
            <LineChart title="Operations per second" {series} {times} unit={Unit::Count} floor={1.0} />
        </section>
    }
}
