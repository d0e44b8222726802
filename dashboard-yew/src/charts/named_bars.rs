//! Labelled horizontal bars for counts by name (evictions by cause, errors by type).

use yew::prelude::*;

use super::geometry::fraction;
use crate::format;

/// What the bars show.
#[derive(Properties, PartialEq)]
pub struct NamedBarsProps {
    /// Accessible name of the list.
    pub label: AttrValue,
    /// `(name, count)` pairs, drawn in order.
    pub rows: Vec<(String, u64)>,
}

/// Labelled bars scaled to the largest count.
#[function_component]
pub fn NamedBars(p: &NamedBarsProps) -> Html {
    let max = p.rows.iter().map(|r| r.1).max().unwrap_or(0) as f64;
    html! {
        <ul class="cwd-named-bars" aria-label={p.label.clone()}>
            { for p.rows.iter().map(|(name, n)| html! {
                <li>
                    <span class="cwd-bar-name">{ name.clone() }</span>
                    <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                        <rect class="cwd-fill ok" x="0" y="1" height="8" rx="2"
                            width={format!("{:.2}", fraction(*n as f64, max) * 100.0)} />
                    </svg>
                    <span class="cwd-num">{ format::compact(*n as f64) }</span>
                </li>
            }) }
        </ul>
    }
}
