//! Entries and bytes against their limits: meters now, entries over time.

use yew::prelude::*;

use super::{points, StateProps};
use crate::charts::line_chart::LineChart;
use crate::charts::meter::Meter;
use crate::charts::{Series, Unit};
use crate::format;

/// The capacity panel.
#[function_component]
pub fn CapacityPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let size = p
        .state
        .shown()
        .latest
        .as_ref()
        .map(|f| f.totals.size)
        .unwrap_or_default();
    let series = vec![Series::new(
        "entries",
        "s2",
        points.iter().map(|q| Some(q.entries as f64)).collect(),
    )];
    let bytes_limit = (size.max_bytes > 0).then(|| AttrValue::from(format::bytes(size.max_bytes)));
    html! {
        <section class="cwd-panel" data-panel="capacity">
            <h3>{ "Capacity" }</h3>
            <Meter label="Entries" value={size.entries as f64} limit={size.max_entries as f64}
                value_text={format::compact(size.entries as f64)}
                limit_text={Some(AttrValue::from(format::compact(size.max_entries as f64)))} />
            <Meter label="Bytes" value={size.bytes as f64} limit={size.max_bytes as f64}
                value_text={format::bytes(size.bytes)} limit_text={bytes_limit} />
            <LineChart title="Entries" {series} {times} unit={Unit::Count} floor={1.0}
                limit={Some((AttrValue::from("maxEntries"), size.max_entries as f64))} />
        </section>
    }
}
