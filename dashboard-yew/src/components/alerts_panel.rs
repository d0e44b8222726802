//! Alerts: the current state of each alert, and the firing/resolved history.

use yew::prelude::*;

use super::StateProps;
use crate::format;

/// The alert panel.
#[function_component]
pub fn AlertsPanel(p: &StateProps) -> Html {
    let view = p.state.shown();
    let current = view
        .latest
        .as_ref()
        .map(|f| f.totals.alerts.clone())
        .unwrap_or_default();
    let firing = current.iter().filter(|a| a.state == "firing").count();
    html! {
        <section class="cwd-panel cwd-wide cwd-alerts" data-panel="alerts">
            <h3>
                { "Alerts" }
                if firing > 0 { <span class="cwd-badge firing">{ format!("{firing} firing") }</span> }
            </h3>
            if current.is_empty() {
                <p class="cwd-empty">{ "No alert has fired." }</p>
            } else {
                <ul class="cwd-alert-states">
                    { for current.iter().map(|a| html! {
                        <li class={classes!("cwd-alert", a.state.clone())}>
                            <strong>{ a.kind.clone() }</strong>
                            <span>{ format!(" {} · {} on {} · {} vs {} · since {} UTC", a.state, a.op, a.layer,
                                format::alert_value(&a.kind, a.value), format::alert_value(&a.kind, a.threshold),
                                format::clock(a.since_ms)) }</span>
                        </li>
                    }) }
                </ul>
            }
            if !view.alerts.is_empty() {
                <h4>{ "History" }</h4>
                <ol class="cwd-alert-log">
                    { for view.alerts.iter().map(|a| html! {
                        <li class={classes!("cwd-alert", a.state.clone())}>
                            <time>{ format::clock(a.at_ms) }</time>
                            <span class="cwd-alert-state">{ a.state.clone() }</span>
                            <span class="cwd-alert-kind">{ a.kind.clone() }</span>
                            <span class="cwd-alert-detail">{ format!("{} on {}: {} (threshold {})", a.op, a.layer,
                                format::alert_value(&a.kind, a.value), format::alert_value(&a.kind, a.threshold)) }</span>
                            <span class="cwd-alert-cache" title={format!("instance {}", a.instance)}>{ a.cache.clone() }</span>
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}
