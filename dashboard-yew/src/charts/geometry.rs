//! Chart geometry: scales, nice axis maxima, line paths with gaps, bars. Pure and tested.

/// A chart's drawing area in viewBox units: the whole box and the padding around the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plot {
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// Room for the y labels.
    pub left: f64,
    /// Room above.
    pub top: f64,
    /// Room on the right.
    pub right: f64,
    /// Room for the x labels.
    pub bottom: f64,
}

impl Plot {
    /// The plot of the dashboard's time charts.
    pub const CHART: Plot = Plot {
        width: 480.0,
        height: 180.0,
        left: 56.0,
        top: 10.0,
        right: 8.0,
        bottom: 24.0,
    };

    /// Width of the plot area.
    pub fn inner_width(&self) -> f64 {
        (self.width - self.left - self.right).max(0.0)
    }

    /// Height of the plot area.
    pub fn inner_height(&self) -> f64 {
        (self.height - self.top - self.bottom).max(0.0)
    }

    /// The y of the axis (value 0).
    pub fn bottom_y(&self) -> f64 {
        self.height - self.bottom
    }

    /// The x of point `i` of `n`, spread edge to edge; a single point sits in the middle.
    pub fn x(&self, i: usize, n: usize) -> f64 {
        if n <= 1 {
            self.left + self.inner_width() / 2.0
        } else {
            self.left + self.inner_width() * i as f64 / (n - 1) as f64
        }
    }

    /// The y of `v` on a scale from 0 to `max`, clamped to the plot area.
    pub fn y(&self, v: f64, max: f64) -> f64 {
        let f = if max > 0.0 && v.is_finite() {
            (v / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.top + self.inner_height() * (1.0 - f)
    }
}

/// The smallest 1, 2 or 5 × 10^k at least `v` (and at least `floor`), for an axis maximum.
pub fn nice_max(v: f64, floor: f64) -> f64 {
    let v = if v.is_finite() { v.max(floor) } else { floor };
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        let candidate = step * magnitude;
        // Tolerates the rounding of powf.
        if candidate >= v * (1.0 - 1e-12) {
            return candidate;
        }
    }
    10.0 * magnitude
}

/// The largest finite value among `series`.
pub fn max_of<'a>(series: impl IntoIterator<Item = &'a [Option<f64>]>) -> f64 {
    series
        .into_iter()
        .flat_map(|s| s.iter().flatten())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// An SVG path through the values, with a gap wherever a value is missing; a lone point
/// becomes a short dash so that it shows.
pub fn line_path(values: &[Option<f64>], plot: &Plot, max: f64) -> String {
    let n = values.len();
    let mut d = String::new();
    let mut pen_down = false;
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v.filter(|v| v.is_finite()) else {
            pen_down = false;
            continue;
        };
        let (x, y) = (plot.x(i, n), plot.y(v, max));
        let lone = !pen_down && values.get(i + 1).is_none_or(|next| next.is_none());
        if !d.is_empty() {
            d.push(' ');
        }
        if lone {
            d.push_str(&format!("M{:.1} {y:.1}h3", x - 1.5));
        } else if pen_down {
            d.push_str(&format!("L{x:.1} {y:.1}"));
        } else {
            d.push_str(&format!("M{x:.1} {y:.1}"));
        }
        pen_down = !lone;
    }
    d
}

/// A rectangle in viewBox units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Stacked vertical bars, one column per point: `stacks[s][i]` is series `s` at point `i`,
/// drawn bottom-up in series order. Returns `rects[s][i]`.
pub fn stacked_bars(stacks: &[Vec<f64>], plot: &Plot, max: f64) -> Vec<Vec<Rect>> {
    let n = stacks.iter().map(Vec::len).max().unwrap_or(0);
    let slot = if n == 0 {
        0.0
    } else {
        plot.inner_width() / n as f64
    };
    let w = (slot * 0.8).max(1.0);
    let mut base = vec![0.0f64; n];
    stacks
        .iter()
        .map(|series| {
            series
                .iter()
                .zip(base.iter_mut())
                .enumerate()
                .map(|(i, (v, b))| {
                    let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
                    let y0 = plot.y(*b, max);
                    *b += v;
                    let y1 = plot.y(*b, max);
                    Rect {
                        x: plot.left + slot * i as f64 + (slot - w) / 2.0,
                        y: y1,
                        w,
                        h: (y0 - y1).max(0.0),
                    }
                })
                .collect()
        })
        .collect()
}

/// `value / max` within 0 and 1, 0 when `max` is 0.
pub fn fraction(value: f64, max: f64) -> f64 {
    if max > 0.0 && value.is_finite() {
        (value / max).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Plot = Plot {
        width: 110.0,
        height: 60.0,
        left: 10.0,
        top: 0.0,
        right: 0.0,
        bottom: 10.0,
    };

    #[test]
    fn scales_map_values_into_the_plot() {
        assert_eq!(P.x(0, 3), 10.0);
        assert_eq!(P.x(1, 3), 60.0);
        assert_eq!(P.x(2, 3), 110.0);
        assert_eq!(P.x(0, 1), 60.0);
        assert_eq!(P.y(0.0, 10.0), 50.0);
        assert_eq!(P.y(10.0, 10.0), 0.0);
        assert_eq!(P.y(5.0, 10.0), 25.0);
        assert_eq!(P.y(99.0, 10.0), 0.0, "clamped");
        assert_eq!(P.y(-1.0, 10.0), 50.0, "clamped");
        assert_eq!(P.y(f64::NAN, 10.0), 50.0);
        assert_eq!(P.y(3.0, 0.0), 50.0);
    }

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0, 0.0), 1.0);
        assert_eq!(nice_max(0.0, 100.0), 100.0);
        assert_eq!(nice_max(7.0, 0.0), 10.0);
        assert_eq!(nice_max(10.0, 0.0), 10.0);
        assert_eq!(nice_max(11.0, 0.0), 20.0);
        assert_eq!(nice_max(230.0, 0.0), 500.0);
        assert_eq!(nice_max(0.013, 0.0), 0.02);
        assert_eq!(nice_max(f64::INFINITY, 5.0), 5.0);
        assert_eq!(
            max_of([&[Some(1.0), None, Some(f64::NAN)][..], &[Some(4.0)][..]]),
            4.0
        );
    }

    #[test]
    fn lines_break_at_missing_values() {
        assert_eq!(
            line_path(&[Some(0.0), Some(10.0), Some(5.0)], &P, 10.0),
            "M10.0 50.0 L60.0 0.0 L110.0 25.0"
        );
        assert_eq!(
            line_path(
                &[Some(0.0), Some(10.0), None, Some(5.0), Some(5.0)],
                &P,
                10.0
            ),
            "M10.0 50.0 L35.0 0.0 M85.0 25.0 L110.0 25.0"
        );
        assert_eq!(
            line_path(&[None, Some(10.0), None], &P, 10.0),
            "M58.5 0.0h3"
        );
        assert_eq!(line_path(&[Some(5.0)], &P, 10.0), "M58.5 25.0h3");
        assert_eq!(line_path(&[], &P, 10.0), "");
    }

    #[test]
    fn bars_stack_bottom_up() {
        let rects = stacked_bars(&[vec![2.0, 0.0], vec![3.0, 10.0]], &P, 10.0);
        let [a, b] = [&rects[0], &rects[1]];
        assert_eq!(
            a[0],
            Rect {
                x: 15.0,
                y: 40.0,
                w: 40.0,
                h: 10.0
            }
        );
        assert_eq!(
            b[0],
            Rect {
                x: 15.0,
                y: 25.0,
                w: 40.0,
                h: 15.0
            }
        );
        assert_eq!(a[1].h, 0.0);
        assert_eq!(
            b[1],
            Rect {
                x: 65.0,
                y: 0.0,
                w: 40.0,
                h: 50.0
            }
        );
        assert!(stacked_bars(&[], &P, 1.0).is_empty());
        assert_eq!(fraction(5.0, 10.0), 0.5);
        assert_eq!(fraction(50.0, 10.0), 1.0);
        assert_eq!(fraction(5.0, 0.0), 0.0);
    }
}
