//! The per-layer table: lookups, hit rate, latency and errors since the cache started.

use yew::prelude::*;

use super::StateProps;
use crate::format;

/// The layers table.
#[function_component]
pub fn LayersTable(p: &StateProps) -> Html {
    let Some(frame) = p.state.shown().latest.cloned() else {
        return html! {};
    };
    let p95 = |l: Option<cache_wasm::core::frame_types::LatencyDoc>| {
        l.filter(|l| l.count > 0)
            .map_or("–".to_string(), |l| format::millis(l.p95_ms))
    };
    html! {
        <section class="cwd-panel cwd-wide" data-panel="layers">
            <h3 id="cwd-layers-title">{ "Layers (since start)" }</h3>
            <div class="cwd-scroll" tabindex="0" role="region" aria-labelledby="cwd-layers-title">
                <table>
                    <thead><tr>
                        <th scope="col">{ "Layer" }</th><th scope="col">{ "Gets" }</th>
                        <th scope="col">{ "Hits" }</th><th scope="col">{ "Misses" }</th>
                        <th scope="col">{ "Hit rate" }</th><th scope="col">{ "get p95" }</th>
                        <th scope="col">{ "set p95" }</th><th scope="col">{ "delete p95" }</th>
                        <th scope="col">{ "Errors" }</th>
                    </tr></thead>
                    <tbody>
                        { for frame.totals.layers.iter().map(|(name, l)| html! {
                            <tr>
                                <th scope="row">{ name.to_string() }</th>
                                <td>{ l.gets }</td><td>{ l.hits }</td><td>{ l.misses }</td>
                                <td>{ format::pct(l.hit_rate) }</td>
                                <td>{ p95(l.latency.get) }</td><td>{ p95(l.latency.set) }</td>
                                <td>{ p95(l.latency.delete) }</td>
                                <td>{ l.errors.total }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}
