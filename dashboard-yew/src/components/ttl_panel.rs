//! Time to live: expirations over time and the TTL figures since the cache started.

use yew::prelude::*;

use super::{points, StateProps};
use crate::charts::bar_chart::BarChart;
use crate::charts::Series;
use crate::format;

/// The TTL panel.
#[function_component]
pub fn TtlPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let ttl = p
        .state
        .shown()
        .latest
        .as_ref()
        .map(|f| f.totals.ttl)
        .unwrap_or_default();
    let series = vec![Series::new(
        "expired",
        "s5",
        points.iter().map(|q| Some(q.expired as f64)).collect(),
    )];
    let rows = [
        ("Expired since start", format::compact(ttl.expired as f64)),
        ("Expired unread", format::compact(ttl.expired_unread as f64)),
        (
            "Entries with a TTL",
            format::compact(ttl.entries_with_ttl as f64),
        ),
        ("Mean TTL set", format::mean_ttl(ttl.mean_ttl_ms)),
        (
            "Mean TTL left at a hit",
            format::mean_ttl(ttl.mean_remaining_ttl_at_hit_ms),
        ),
    ];
    html! {
        <section class="cwd-panel" data-panel="ttl">
            <h3>{ "Time to live" }</h3>
            <dl class="cwd-pairs">
                { for rows.into_iter().map(|(k, v)| html! {
                    <div><dt>{ k }</dt><dd class="cwd-num">{ v }</dd></div>
                }) }
            </dl>
            <BarChart title="TTL expirations per point" {series} {times} />
        </section>
    }
}
