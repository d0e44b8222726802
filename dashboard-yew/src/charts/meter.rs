//! A horizontal meter of a value against its limit.

use yew::prelude::*;

use super::geometry::fraction;

/// What a meter shows.
#[derive(Properties, PartialEq)]
pub struct MeterProps {
    /// What is measured.
    pub label: AttrValue,
    /// The value, written.
    pub value_text: AttrValue,
    /// The limit, written; `None` for no limit.
    pub limit_text: Option<AttrValue>,
    /// The value.
    pub value: f64,
    /// The limit; 0 for none.
    pub limit: f64,
}

/// A meter.
#[function_component]
pub fn Meter(p: &MeterProps) -> Html {
    let f = fraction(p.value, p.limit);
    let level = if f >= 0.95 {
        "full"
    } else if f >= 0.8 {
        "high"
    } else {
        "ok"
    };
    let text = match &p.limit_text {
        Some(limit) => format!("{} of {} ({:.0}%)", p.value_text, limit, f * 100.0),
        None => format!("{} (no limit)", p.value_text),
    };
    html! {
        <div class="cwd-meter">
            <div class="cwd-meter-label"><span>{ p.label.clone() }</span><span class="cwd-num">{ text.clone() }</span></div>
            <svg viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={format!("{}: {}", p.label, text)}>
                <rect class="cwd-track" x="0" y="0" width="100" height="8" rx="2" />
                <rect class={classes!("cwd-fill", level)} x="0" y="0" width={format!("{:.2}", f * 100.0)} height="8" rx="2" />
            </svg>
        </div>
    }
}
