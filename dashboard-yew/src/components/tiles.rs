//! Headline figures of the chosen period: hit and miss rate, throughput, gets, evictions,
//! errors, entries.

use yew::prelude::*;

use super::{period_words, StateProps};
use crate::format;

/// The headline tiles.
#[function_component]
pub fn Tiles(p: &StateProps) -> Html {
    let state = &p.state;
    let view = state.shown();
    let total = view
        .history
        .and_then(|h| h.total(state.period))
        .unwrap_or_default();
    let entries = view
        .latest
        .as_ref()
        .map(|f| f.totals.size.entries)
        .unwrap_or_default();
    let tiles = [
        ("Hit rate", format::pct(total.hit_rate()), "hit-rate"),
        ("Miss rate", format::pct(total.miss_rate()), "miss-rate"),
        ("Ops/s", format::compact(total.ops_per_s()), "ops"),
        ("Gets", format::compact(total.gets as f64), "gets"),
        (
            "Evictions",
            format::compact(total.evictions_total() as f64),
            "evictions",
        ),
        (
            "Errors",
            format::compact(total.errors.iter().map(|e| e.1).sum::<u64>() as f64),
            "errors",
        ),
        ("Entries now", format::compact(entries as f64), "entries"),
    ];
    html! {
        <section class="cwd-tiles" aria-label={format!("Figures over the {}", period_words(state))}>
            { for tiles.into_iter().map(|(label, value, id)| html! {
                <div class="cwd-tile" data-figure={id}>
                    <div class="cwd-tile-label">{ label }</div>
                    <div class="cwd-tile-value">{ value }</div>
                </div>
            }) }
        </section>
    }
}
