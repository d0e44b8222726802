//! Hit and miss rate over time.

use yew::prelude::*;

use super::{points, StateProps};
use crate::charts::line_chart::LineChart;
use crate::charts::{Series, Unit};

/// The hit and miss rate chart.
#[function_component]
pub fn HitRatePanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let rate = |f: fn(&crate::history::Point) -> f64| -> Vec<Option<f64>> {
        points.iter().map(|q| (q.gets > 0).then(|| f(q))).collect()
    };
    let series = vec![
        Series::new("hit", "s1", rate(|q| q.hit_rate())),
        Series::new("miss", "s3", rate(|q| q.miss_rate())),
    ];
    html! {
        <section class="cwd-panel" data-panel="hit-rate">
            <LineChart title="Hit and miss rate" {series} {times} unit={Unit::Percent} floor={100.0} />
        </section>
    }
}
