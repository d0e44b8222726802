//! Latency p50, p95 and p99 of get, set and delete over time (memory layer).

use yew::prelude::*;

use super::{points, StateProps};
use crate::charts::line_chart::LineChart;
use crate::charts::{Series, Unit};
use crate::history::OPS;

/// Three latency charts, one per op.
#[function_component]
pub fn LatencyPanel(p: &StateProps) -> Html {
    let (points, times) = points(&p.state);
    let timed = points.iter().any(|q| q.latency.iter().any(Option::is_some));
    let charts = OPS.iter().enumerate().map(|(k, op)| {
        let pick = |i: usize| -> Vec<Option<f64>> {
            points
                .iter()
                .map(|q| {
                    q.latency
                        .get(k)
                        .copied()
                        .flatten()
                        .and_then(|l| l.get(i).copied())
                })
                .collect()
        };
        let series = vec![
            Series::new("p50", "s1", pick(0)),
            Series::new("p95", "s2", pick(1)),
            Series::new("p99", "s3", pick(2)),
        ];
        html! {
            <LineChart title={format!("{op} latency")} {series} times={times.clone()}
                unit={Unit::Millis} floor={0.001} />
        }
    });
    html! {
        <section class="cwd-panel cwd-wide" data-panel="latency">
            <h3>{ "Latency (memory layer)" }</h3>
            if timed {
                <div class="cwd-three">{ for charts }</div>
            } else {
                <p class="cwd-empty">{ "No timed operations yet: latency needs enableTelemetry and metricsCollection." }</p>
            }
        </section>
    }
}
