//! Evictions by cause: totals of the period and stacked bars over time, then the explicit
//! removals (deletes, overwrites, clears) of the period.

use yew::prelude::*;

use super::{period_total, period_words, points, StateProps};
use crate::charts::bar_chart::BarChart;
use crate::charts::named_bars::NamedBars;
use crate::charts::Series;
use crate::format;

/// Causes drawn as stacks, with their colours.
const CAUSES: [(&str, &str); 3] = [("capacity", "s2"), ("bytes", "s4"), ("expired", "s5")];

/// The evictions panel.
#[function_component]
pub fn EvictionsPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let total = period_total(&p.state);
    let series: Vec<Series> = CAUSES
        .iter()
        .map(|&(cause, class)| {
            let values = points
                .iter()
                .map(|q| {
                    q.evictions
                        .iter()
                        .find(|(k, _)| k == cause)
                        .map(|(_, n)| *n as f64)
                })
                .collect();
            Series::new(cause, class, values)
        })
        .collect();
    html! {
        <section class="cwd-panel" data-panel="evictions">
            <h3>{ format!("Evictions by cause ({})", period_words(&p.state)) }</h3>
            <NamedBars label="Evictions by cause" rows={total.evictions.clone()} />
            <BarChart title="Evictions per point" {series} {times} />
            <h4>{ format!(
                "Removed by delete, overwrite or clear: {}",
                format::compact(total.removals_total() as f64)
            ) }</h4>
            <NamedBars label="Removals by cause" rows={total.removals.clone()} />
        </section>
    }
}
