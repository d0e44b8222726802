//! A line chart over time: up to a few series, an optional limit line, round axis labels.

use std::rc::Rc;

use yew::prelude::*;

use super::geometry::{line_path, max_of, nice_max, Plot};
use super::{time_labels, Series, Unit};

/// What a line chart draws.
#[derive(Properties, PartialEq)]
pub struct LineChartProps {
    /// Caption.
    pub title: AttrValue,
    /// The lines.
    pub series: Vec<Series>,
    /// Time of each point, ms since the epoch (for the x labels).
    pub times: Rc<Vec<f64>>,
    /// How values are written.
    pub unit: Unit,
    /// The axis goes at least this high.
    #[prop_or_default]
    pub floor: f64,
    /// A dashed limit line and its name.
    #[prop_or_default]
    pub limit: Option<(AttrValue, f64)>,
}

/// A line chart.
#[function_component]
pub fn LineChart(p: &LineChartProps) -> Html {
    let plot = Plot::CHART;
    let limit_value = p.limit.as_ref().map_or(0.0, |l| l.1);
    let max = nice_max(
        max_of(p.series.iter().map(|s| s.values.as_slice())).max(limit_value),
        p.floor,
    );
    let latest: Vec<String> = p
        .series
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.name,
                s.last().map_or("–".to_string(), |v| p.unit.format(v))
            )
        })
        .collect();
    let label = format!("{}: {}", p.title, latest.join(", "));
    let grid = [0.0, 0.5, 1.0].map(|f| {
        let y = plot.y(max * f, max);
        html! {
            <g>
                <line class="cwd-grid" x1={plot.left.to_string()} x2={(plot.width - plot.right).to_string()}
                    y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                <text class="cwd-axis" x={(plot.left - 4.0).to_string()} y={format!("{:.1}", y + 4.0)}
                    text-anchor="end">{ p.unit.format(max * f) }</text>
            </g>
        }
    });
    let limit = p.limit.as_ref().map(|(name, v)| {
        let y = plot.y(*v, max);
        html! {
            <line class="cwd-limit" x1={plot.left.to_string()} x2={(plot.width - plot.right).to_string()}
                y1={format!("{y:.1}")} y2={format!("{y:.1}")}>
                <title>{ format!("{name}: {}", p.unit.format(*v)) }</title>
            </line>
        }
    });
    let times = time_labels(&plot, &p.times);
    html! {
        <figure class="cwd-chart">
            <figcaption>
                <span class="cwd-chart-title">{ p.title.clone() }</span>
                <span class="cwd-legend">
                    { for p.series.iter().zip(latest.iter()).map(|(s, text)| html! {
                        <span class={classes!("cwd-key", s.class)}>{ text.clone() }</span>
                    }) }
                    { for p.limit.as_ref().map(|(name, v)| html! {
                        <span class="cwd-key lim">{ format!("{name} {}", p.unit.format(*v)) }</span>
                    }) }
                </span>
            </figcaption>
            <svg viewBox={format!("0 0 {} {}", plot.width, plot.height)} role="img" aria-label={label}>
                { for grid }
                { for limit }
                { for p.series.iter().map(|s| html! {
                    <path class={classes!("cwd-line", s.class)} d={line_path(&s.values, &plot, max)} />
                }) }
                { times }
            </svg>
        </figure>
    }
}
