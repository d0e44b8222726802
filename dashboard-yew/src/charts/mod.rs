//! SVG charts: line charts over time, stacked bars, meters and labelled bars, with their
//! geometry in [`geometry`] (pure, tested natively).

pub mod bar_chart;
pub mod geometry;
pub mod line_chart;
pub mod meter;
pub mod named_bars;

use std::rc::Rc;

use crate::format;

/// How a chart writes its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Plain counts or rates.
    Count,
    /// Percentages 0–100.
    Percent,
    /// Milliseconds.
    Millis,
}

impl Unit {
    /// `v` written in this unit.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Count => format::compact(v),
            Unit::Percent => format::pct(v),
            Unit::Millis => format::millis(v),
        }
    }
}

/// One line or one stack of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: &'static str,
    /// CSS class giving its colour (`s1`…`s6`).
    pub class: &'static str,
    /// One value per point; `None` is a gap.
    pub values: Rc<Vec<Option<f64>>>,
}

impl Series {
    /// A series from values.
    pub fn new(name: &'static str, class: &'static str, values: Vec<Option<f64>>) -> Series {
        Series {
            name,
            class,
            values: Rc::new(values),
        }
    }

    /// The newest value, if any.
    pub fn last(&self) -> Option<f64> {
        self.values.iter().rev().flatten().next().copied()
    }
}

/// The first and last sample times under a chart's x axis; nothing when there are none.
fn time_labels(plot: &geometry::Plot, times: &[f64]) -> yew::Html {
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return yew::Html::default();
    };
    let y = (plot.height - 4.0).to_string();
    yew::html! {
        <>
            <text class="cwd-axis" x={plot.left.to_string()} y={y.clone()}>{ format::clock(*first) }</text>
            <text class="cwd-axis" x={(plot.width - plot.right).to_string()} {y}
                text-anchor="end">{ format::clock(*last) }</text>
        </>
    }
}
