//! Errors by type in the chosen period, and errors over time.

use yew::prelude::*;

use super::{period_total, period_words, points, StateProps};
use crate::charts::bar_chart::BarChart;
use crate::charts::named_bars::NamedBars;
use crate::charts::Series;

/// The errors panel.
#[function_component]
pub fn ErrorsPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let total = period_total(&p.state);
    let series = vec![Series::new(
        "errors",
        "s3",
        points
            .iter()
            .map(|q| Some(q.errors.iter().map(|e| e.1).sum::<u64>() as f64))
            .collect(),
    )];
    html! {
        <section class="cwd-panel" data-panel="errors">
            <h3>{ format!("Errors by type ({})", period_words(&p.state)) }</h3>
            <NamedBars label="Errors by type" rows={total.errors.clone()} />
            <BarChart title="Errors per point" {series} {times} />
        </section>
    }
}
