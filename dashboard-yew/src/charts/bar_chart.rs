//! Stacked bars over time: one column per point, one colour per series.

use std::rc::Rc;

use yew::prelude::*;

use super::geometry::{nice_max, stacked_bars, Plot};
use super::{time_labels, Series, Unit};

/// What a bar chart draws.
#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    /// Caption.
    pub title: AttrValue,
    /// The stacks, bottom first; missing values count as 0.
    pub series: Vec<Series>,
    /// Time of each point, ms since the epoch.
    pub times: Rc<Vec<f64>>,
}

/// A stacked bar chart.
#[function_component]
pub fn BarChart(p: &BarChartProps) -> Html {
    let plot = Plot::CHART;
    let stacks: Vec<Vec<f64>> = p
        .series
        .iter()
        .map(|s| s.values.iter().map(|v| v.unwrap_or(0.0)).collect())
        .collect();
    let n = stacks.iter().map(Vec::len).max().unwrap_or(0);
    let tallest = (0..n)
        .map(|i| stacks.iter().filter_map(|s| s.get(i)).sum::<f64>())
        .fold(0.0, f64::max);
    let max = nice_max(tallest, 1.0);
    let totals: Vec<f64> = stacks.iter().map(|s| s.iter().sum()).collect();
    let label = format!(
        "{}: {}",
        p.title,
        p.series
            .iter()
            .zip(&totals)
            .map(|(s, t)| format!("{} {}", s.name, Unit::Count.format(*t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rects = stacked_bars(&stacks, &plot, max);
    html! {
        <figure class="cwd-chart">
            <figcaption>
                <span class="cwd-chart-title">{ p.title.clone() }</span>
                <span class="cwd-legend">
                    { for p.series.iter().zip(&totals).map(|(s, t)| html! {
                        <span class={classes!("cwd-key", s.class)}>{ format!("{} {}", s.name, Unit::Count.format(*t)) }</span>
                    }) }
                </span>
            </figcaption>
            <svg viewBox={format!("0 0 {} {}", plot.width, plot.height)} role="img" aria-label={label}>
                { for [0.0, 0.5, 1.0].map(|f| {
                    let y = plot.y(max * f, max);
                    html! {
                        <g>
                            <line class="cwd-grid" x1={plot.left.to_string()} x2={(plot.width - plot.right).to_string()}
                                y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                            <text class="cwd-axis" x={(plot.left - 4.0).to_string()} y={format!("{:.1}", y + 4.0)}
                                text-anchor="end">{ Unit::Count.format(max * f) }</text>
                        </g>
                    }
                }) }
                { for p.series.iter().zip(rects.iter()).map(|(s, col)| html! {
                    <g class={classes!("cwd-bars", s.class)}>
                        { for col.iter().filter(|r| r.h > 0.0).map(|r| html! {
                            <rect x={format!("{:.1}", r.x)} y={format!("{:.1}", r.y)}
                                width={format!("{:.1}", r.w)} height={format!("{:.1}", r.h)} />
                        }) }
                    </g>
                }) }
                { time_labels(&plot, &p.times) }
            </svg>
        </figure>
    }
}
