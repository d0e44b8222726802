//! `generateDashboard()`: one self-contained HTML report with inline SVG charts.
//!
//! The report shows the figures of a stats snapshot since creation (rates, latency per op,
//! sizes against limits, evictions and explicit removals by cause, errors by type, TTL,
//! layers, alert states) and charts of the recent frame summaries the telemetry keeps
//! (bounded by [`super::telemetry::frame::HISTORY`]).
//!
//! **Every dynamic string goes through [`Html::text`], the one escaping function.** Markup
//! comes only from `&'static str` literals ([`Html::lit`]) and numbers, so nothing a user
//! chose (the cache name, layer names) can open a tag or an attribute. The document loads
//! nothing and runs no script; its Content-Security-Policy ([`CSP`]) forbids both.

use super::format::{bytes, compact, millis as duration};
use std::fmt::{self, Write};

use super::stats::{layer_name, percent, Sizes};
use super::store::RemovalCause;
use super::telemetry::alerts::AlertState;
use super::telemetry::frame::FrameSummary;
use super::telemetry::{ErrorType, Figures, Latency, Op, MEMORY};

/// The policy of the report's `<meta http-equiv="Content-Security-Policy">`.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/// Width and height of a chart's SVG viewBox.
const CHART_W: f64 = 600.0;
const CHART_H: f64 = 160.0;
/// Inner padding of a chart: left (labels), top, right, bottom.
const PAD: [f64; 4] = [56.0, 10.0, 8.0, 18.0];

/// What a report shows.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// The cache's name (user-supplied).
    pub cache: &'a str,
    /// When the report was made, ms since the epoch.
    pub generated_ms: f64,
    /// The figures since creation (period `"all"`).
    pub totals: &'a Figures,
    /// Names of the layers below memory (user-supplied).
    pub layer_names: &'a [String],
    /// The state of every alert that has fired.
    pub alerts: &'a [AlertState],
    /// Recent frame summaries, oldest first.
    pub history: &'a [FrameSummary],
}

/// An HTML writer: markup from literals, everything else escaped.
pub struct Html<'a, W: Write> {
    out: &'a mut W,
}

impl<'a, W: Write> Html<'a, W> {
    /// Writes into `out`.
    pub fn new(out: &'a mut W) -> Self {
        Html { out }
    }

    /// Markup written as is; only literals are accepted.
    pub fn lit(&mut self, s: &'static str) -> fmt::Result {
        self.out.write_str(s)
    }

    /// Text escaped for element content and quoted attribute values alike.
    pub fn text(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match c {
                '&' => self.out.write_str("&amp;")?,
                '<' => self.out.write_str("&lt;")?,
                '>' => self.out.write_str("&gt;")?,
                '"' => self.out.write_str("&quot;")?,
                '\'' => self.out.write_str("&#39;")?,
                // Control characters other than tab and newline are not valid HTML text.
                c if (c as u32) < 0x20 && c != '\t' && c != '\n' => {
                    self.out.write_char('\u{fffd}')?
                }
                c => self.out.write_char(c)?,
            }
        }
        Ok(())
    }

    /// A whole number.
    pub fn int(&mut self, n: u64) -> fmt::Result {
        write!(self.out, "{n}")
    }

    /// A number with `decimals` decimals; not finite numbers are written as `–`.
    pub fn fixed(&mut self, n: f64, decimals: usize) -> fmt::Result {
        if n.is_finite() {
            write!(self.out, "{n:.decimals$}")
        } else {
            self.out.write_str("–")
        }
    }
}

/// A time in ms since the epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(ms: f64) -> String {
    if !ms.is_finite() {
        return "–".to_string();
    }
    let secs = (ms / 1000.0).floor() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A latency figure in ms with a sensible precision.
fn millis(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.4} ms")
    }
}

/// A mean TTL of `samples` TTLs, in a unit that suits it (a TTL may be days long); "–" with
/// none, as there is then no mean, not a mean of 0.
fn mean_duration(ms: f64, samples: u64) -> String {
    if samples == 0 {
        "–".to_string()
    } else {
        duration(ms)
    }
}

/// One line of a chart: its CSS class, legend name and values (one per point).
struct Line<'s> {
    class: &'static str,
    name: &'static str,
    values: &'s [f64],
}

/// The largest finite value of the lines, at least `floor`.
fn top(lines: &[Line<'_>], floor: f64) -> f64 {
    lines
        .iter()
        .flat_map(|l| l.values.iter())
        .copied()
        .filter(|v| v.is_finite())
        .fold(floor, f64::max)
}

/// The x of point `i` of `n` inside the plot area.
fn x_of(i: usize, n: usize) -> f64 {
    let w = CHART_W - PAD[0] - PAD[2];
    if n <= 1 {
        PAD[0] + w / 2.0
    } else {
        PAD[0] + w * i as f64 / (n - 1) as f64
    }
}

/// The y of `v` on a scale from 0 to `max`, clamped to the plot area.
fn y_of(v: f64, max: f64) -> f64 {
    let h = CHART_H - PAD[1] - PAD[3];
    let f = if max > 0.0 && v.is_finite() {
        (v / max).clamp(0.0, 1.0)
    } else {
        0.0
    };
    PAD[1] + h * (1.0 - f)
}

impl Report<'_> {
    /// Writes the whole document.
    pub fn write_html(&self, out: &mut impl Write) -> fmt::Result {
        let mut h = Html::new(out);
        h.lit("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")?;
        h.lit("<meta http-equiv=\"Content-Security-Policy\" content=\"")?;
        h.text(CSP)?;
        h.lit("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")?;
        h.lit("<meta name=\"generator\" content=\"cache-wasm\">\n<title>cache-wasm report: ")?;
        h.text(self.cache)?;
        h.lit("</title>\n<style>")?;
        h.lit(STYLE)?;
        h.lit("</style>\n</head>\n<body>\n<header>\n<h1>Cache <span class=\"name\">")?;
        h.text(self.cache)?;
        h.lit("</span></h1>\n<p>Report generated ")?;
        h.text(&utc(self.generated_ms))?;
        h.lit(", covering ")?;
        h.text(&utc(self.totals.window_start_ms))?;
        h.lit(" to ")?;
        h.text(&utc(self.totals.window_end_ms))?;
        h.lit(".</p>\n</header>\n<main>\n")?;
        self.write_summary(&mut h)?;
        self.write_charts(&mut h)?;
        self.write_latency(&mut h)?;
        self.write_evictions(&mut h)?;
        self.write_errors(&mut h)?;
        self.write_ttl(&mut h)?;
        self.write_layers(&mut h)?;
        self.write_alerts(&mut h)?;
        h.lit("</main>\n</body>\n</html>\n")
    }

    fn write_summary<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        let c = &self.totals.tally.counts;
        let s: Sizes = self.totals.sizes;
        h.lit("<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n<dl class=\"tiles\">\n")?;
        let tiles: [(&'static str, String); 7] = [
            ("Hit rate", format!("{:.1}%", percent(c.hits, c.gets))),
            ("Miss rate", format!("{:.1}%", percent(c.misses, c.gets))),
            (
                "Gets",
                format!("{} ({} hits, {} misses)", c.gets, c.hits, c.misses),
            ),
            ("Sets", c.sets.to_string()),
            ("Deletes", c.deletes.to_string()),
            ("Entries", format!("{} of {}", s.entries, s.max_entries)),
            (
                "Bytes",
                if s.max_bytes == 0 {
                    format!("{} (no bound)", bytes(s.bytes))
                } else {
                    format!("{} of {}", bytes(s.bytes), bytes(s.max_bytes))
                },
            ),
        ];
        for (label, value) in &tiles {
            h.lit("<div><dt>")?;
            h.lit(label)?;
            h.lit("</dt><dd>")?;
            h.text(value)?;
            h.lit("</dd></div>\n")?;
        }
        h.lit("</dl>\n")?;
        meter(h, "Entries against maxEntries", s.entries, s.max_entries)?;
        if s.max_bytes > 0 {
            meter(h, "Bytes against maxBytes", s.bytes, s.max_bytes)?;
        }
        h.lit("</section>\n")
    }

    fn write_charts<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        h.lit("<section aria-labelledby=\"recent\">\n<h2 id=\"recent\">Recent frames</h2>\n")?;
        let hist = self.history;
        let (Some(first), Some(last)) = (hist.first(), hist.last()) else {
            return h.lit("<p class=\"empty\">No metric frames yet: the charts need telemetry on (<code>enableTelemetry: true</code>) and at least one frame.</p>\n</section>\n");
        };
        h.lit("<p>")?;
        h.int(hist.len() as u64)?;
        h.lit(" frames, #")?;
        h.int(first.seq)?;
        h.lit(" at ")?;
        h.text(&utc(first.ts_ms))?;
        h.lit(" to #")?;
        h.int(last.seq)?;
        h.lit(" at ")?;
        h.text(&utc(last.ts_ms))?;
        h.lit(".</p>\n<div class=\"charts\">\n")?;
        let hit: Vec<f64> = hist.iter().map(|f| f.hit_rate).collect();
        let miss: Vec<f64> = hist
            .iter()
            .map(|f| if f.gets == 0 { 0.0 } else { 100.0 - f.hit_rate })
            .collect();
        chart(
            h,
            "Hit and miss rate (%)",
            &[
                Line {
                    class: "s1",
                    name: "hit rate",
                    values: &hit,
                },
                Line {
                    class: "s3",
                    name: "miss rate",
                    values: &miss,
                },
            ],
            100.0,
        )?;
        let ops: Vec<f64> = hist
            .iter()
            .map(|f| {
                let n = f.gets.saturating_add(f.sets).saturating_add(f.deletes) as f64;
                if f.interval_s > 0.0 {
                    n / f.interval_s
                } else {
                    0.0
                }
            })
            .collect();
        chart(
            h,
            "Operations per second",
            &[Line {
                class: "s2",
                name: "ops/s",
                values: &ops,
            }],
            1.0,
        )?;
        if hist.iter().any(|f| f.latency.is_some()) {
            for (k, op) in Op::ALL.iter().enumerate() {
                let pick = |p: usize| -> Vec<f64> {
                    hist.iter()
                        .map(|f| {
                            f.latency
                                .and_then(|l| l.get(k).and_then(|ps| ps.get(p)).copied())
                                .unwrap_or(0.0)
                        })
                        .collect()
                };
                let (p50, p95, p99) = (pick(0), pick(1), pick(2));
                let title = match op {
                    Op::Get => "get latency (ms)",
                    Op::Set => "set latency (ms)",
                    Op::Delete => "delete latency (ms)",
                };
                chart(
                    h,
                    title,
                    &[
                        Line {
                            class: "s1",
                            name: "p50",
                            values: &p50,
                        },
                        Line {
                            class: "s2",
                            name: "p95",
                            values: &p95,
                        },
                        Line {
                            class: "s3",
                            name: "p99",
                            values: &p99,
                        },
                    ],
                    0.001,
                )?;
            }
        }
        let entries: Vec<f64> = hist.iter().map(|f| f.entries as f64).collect();
        let limit = vec![self.totals.sizes.max_entries as f64; hist.len()];
        chart(
            h,
            "Entries",
            &[
                Line {
                    class: "s1",
                    name: "entries",
                    values: &entries,
                },
                Line {
                    class: "lim",
                    name: "maxEntries",
                    values: &limit,
                },
            ],
            1.0,
        )?;
        let evictions: Vec<f64> = hist.iter().map(|f| f.evictions as f64).collect();
        let removals: Vec<f64> = hist.iter().map(|f| f.removals as f64).collect();
        let errors: Vec<f64> = hist.iter().map(|f| f.errors as f64).collect();
        chart(
            h,
            "Evictions, removals and errors per frame",
            &[
                Line {
                    class: "s2",
                    name: "evictions",
                    values: &evictions,
                },
                Line {
                    class: "s1",
                    name: "removals",
                    values: &removals,
                },
                Line {
                    class: "s3",
                    name: "errors",
                    values: &errors,
                },
            ],
            1.0,
        )?;
        h.lit("</div>\n</section>\n")
    }

    fn write_latency<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        h.lit("<section aria-labelledby=\"latency\">\n<h2 id=\"latency\">Latency (memory layer)</h2>\n")?;
        if self.totals.latency.is_none() {
            return h.lit("<p class=\"empty\">Latency is measured with <code>enableTelemetry</code> and <code>metricsCollection</code> on.</p>\n</section>\n");
        }
        latency_table(h, |op| self.totals.latency(MEMORY, op))?;
        h.lit("</section>\n")
    }

    /// Evictions (removals the cache chose) and explicit removals, each by cause.
    fn write_evictions<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        let c = &self.totals.tally.counts;
        let rows = |causes: &[RemovalCause]| -> Vec<(&'static str, u64)> {
            causes
                .iter()
                .map(|&cause| (cause.name(), c.removed(cause)))
                .collect()
        };
        h.lit("<section aria-labelledby=\"evictions\">\n<h2 id=\"evictions\">Evictions by cause</h2>\n")?;
        h.lit("<p>Entries the cache removed to stay within its bounds, or because their TTL ran out.</p>\n")?;
        bars(h, &rows(&RemovalCause::EVICTIONS))?;
        h.lit("<p>Total ")?;
        h.int(c.evicted_total())?;
        h.lit(".</p>\n</section>\n")?;
        h.lit(
            "<section aria-labelledby=\"removals\">\n<h2 id=\"removals\">Removals by cause</h2>\n",
        )?;
        h.lit("<p>Entries removed by <code>delete</code>, replaced by a <code>set</code> of their key, or removed by <code>clear</code>.</p>\n")?;
        bars(h, &rows(&RemovalCause::EXPLICIT))?;
        h.lit("<p>Total ")?;
        h.int(c.removed_explicitly_total())?;
        h.lit(".</p>\n</section>\n")
    }

    fn write_errors<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        let t = &self.totals.tally;
        h.lit("<section aria-labelledby=\"errors\">\n<h2 id=\"errors\">Errors by type</h2>\n")?;
        let rows: Vec<(&'static str, u64)> = ErrorType::ALL
            .iter()
            .map(|&ty| (ty.name(), t.error_by_type(ty)))
            .collect();
        bars(h, &rows)?;
        h.lit("<p>Total ")?;
        h.int(t.errors_total())?;
        h.lit(".</p>\n</section>\n")
    }

    fn write_ttl<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        let c = &self.totals.tally.counts;
        h.lit("<section aria-labelledby=\"ttl\">\n<h2 id=\"ttl\">Time to live</h2>\n<table>\n<tbody>\n")?;
        let rows: [(&'static str, String); 5] = [
            ("Expired", c.removed(RemovalCause::Expired).to_string()),
            ("Expired without a read", c.expired_unread.to_string()),
            (
                "Entries with a TTL now",
                self.totals.sizes.entries_with_ttl.to_string(),
            ),
            ("Mean TTL set", mean_duration(c.mean_ttl_ms(), c.ttl_sets)),
            (
                "Mean TTL left at a hit",
                mean_duration(c.mean_remaining_ttl_at_hit_ms(), c.ttl_hits),
            ),
        ];
        for (label, value) in &rows {
            h.lit("<tr><th scope=\"row\">")?;
            h.lit(label)?;
            h.lit("</th><td>")?;
            h.text(value)?;
            h.lit("</td></tr>\n")?;
        }
        h.lit("</tbody>\n</table>\n</section>\n")
    }

    fn write_layers<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        let t = &self.totals.tally;
        h.lit("<section aria-labelledby=\"layers\">\n<h2 id=\"layers\">Layers</h2>\n<div class=\"scroll\"><table>\n")?;
        h.lit("<thead><tr><th scope=\"col\">Layer</th><th scope=\"col\">Gets</th><th scope=\"col\">Hits</th><th scope=\"col\">Misses</th><th scope=\"col\">Hit rate</th><th scope=\"col\">get p95</th><th scope=\"col\">set p95</th><th scope=\"col\">Errors</th></tr></thead>\n<tbody>\n")?;
        for layer in 0..=self.layer_names.len() {
            let (gets, hits, misses) = if layer == MEMORY {
                let c = &t.counts;
                (c.gets, c.hits, c.misses)
            } else {
                let n = t.layer(layer);
                (n.gets, n.hits, n.misses)
            };
            h.lit("<tr><th scope=\"row\">")?;
            h.text(layer_name(self.layer_names, layer))?;
            h.lit("</th><td>")?;
            h.int(gets)?;
            h.lit("</td><td>")?;
            h.int(hits)?;
            h.lit("</td><td>")?;
            h.int(misses)?;
            h.lit("</td><td>")?;
            h.fixed(percent(hits, gets), 1)?;
            h.lit("%</td>")?;
            for op in [Op::Get, Op::Set] {
                h.lit("<td>")?;
                match self.totals.latency(layer, op) {
                    Some(l) if l.count > 0 => h.text(&millis(l.p95_ms))?,
                    _ => h.lit("–")?,
                }
                h.lit("</td>")?;
            }
            h.lit("<td>")?;
            h.int(t.errors_in(layer))?;
            h.lit("</td></tr>\n")?;
        }
        h.lit("</tbody>\n</table></div>\n</section>\n")
    }

    fn write_alerts<W: Write>(&self, h: &mut Html<'_, W>) -> fmt::Result {
        h.lit("<section aria-labelledby=\"alerts\">\n<h2 id=\"alerts\">Alerts</h2>\n")?;
        if self.alerts.is_empty() {
            return h.lit("<p class=\"empty\">No alert has fired.</p>\n</section>\n");
        }
        h.lit("<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Alert</th><th scope=\"col\">State</th><th scope=\"col\">Op</th><th scope=\"col\">Layer</th><th scope=\"col\">Value</th><th scope=\"col\">Threshold</th><th scope=\"col\">Since</th></tr></thead>\n<tbody>\n")?;
        for a in self.alerts {
            h.lit("<tr class=\"")?;
            h.lit(a.status.name())?;
            h.lit("\"><th scope=\"row\">")?;
            h.lit(a.kind.name())?;
            h.lit("</th><td>")?;
            h.lit(a.status.name())?;
            h.lit("</td><td>")?;
            h.lit(a.op.name())?;
            h.lit("</td><td>")?;
            h.text(layer_name(self.layer_names, a.layer))?;
            h.lit("</td><td>")?;
            h.text(&alert_figure(a, a.value))?;
            h.lit("</td><td>")?;
            h.text(&alert_figure(a, a.threshold))?;
            h.lit("</td><td>")?;
            h.text(&utc(a.since_ms))?;
            h.lit("</td></tr>\n")?;
        }
        h.lit("</tbody>\n</table></div>\n</section>\n")
    }
}

/// An alert's value or threshold in its unit: a percentage for miss rate, ms for latency.
fn alert_figure(a: &AlertState, v: f64) -> String {
    match a.kind {
        super::telemetry::alerts::AlertKind::HighMissRate => format!("{:.1}%", v * 100.0),
        super::telemetry::alerts::AlertKind::HighLatency => millis(v),
    }
}

/// A horizontal meter of `value` against `max`, as SVG.
fn meter<W: Write>(h: &mut Html<'_, W>, label: &'static str, value: u64, max: u64) -> fmt::Result {
    let f = if max == 0 {
        0.0
    } else {
        (value as f64 / max as f64).clamp(0.0, 1.0)
    };
    h.lit("<figure class=\"meter\"><figcaption>")?;
    h.lit(label)?;
    h.lit(": ")?;
    h.fixed(f * 100.0, 1)?;
    h.lit("%</figcaption><svg viewBox=\"0 0 600 14\" role=\"img\" aria-label=\"")?;
    h.lit(label)?;
    h.lit("\" preserveAspectRatio=\"none\"><rect class=\"track\" x=\"0\" y=\"0\" width=\"600\" height=\"14\" rx=\"3\"/><rect class=\"fill\" x=\"0\" y=\"0\" width=\"")?;
    h.fixed(600.0 * f, 1)?;
    h.lit("\" height=\"14\" rx=\"3\"/></svg></figure>\n")
}

/// Labelled horizontal bars, one per row, scaled to the largest, as an SVG with a table.
fn bars<W: Write>(h: &mut Html<'_, W>, rows: &[(&'static str, u64)]) -> fmt::Result {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let row_h = 20.0;
    h.lit("<svg class=\"bars\" viewBox=\"0 0 600 ")?;
    h.fixed(row_h * rows.len() as f64, 0)?;
    h.lit("\" role=\"img\" aria-hidden=\"true\">")?;
    for (k, (name, n)) in rows.iter().enumerate() {
        let y = row_h * k as f64;
        h.lit("<text x=\"0\" y=\"")?;
        h.fixed(y + 14.0, 0)?;
        h.lit("\">")?;
        h.lit(name)?;
        h.lit("</text><rect class=\"fill\" x=\"120\" y=\"")?;
        h.fixed(y + 3.0, 0)?;
        h.lit("\" height=\"14\" width=\"")?;
        h.fixed(400.0 * *n as f64 / max, 1)?;
        h.lit("\"/><text x=\"")?;
        h.fixed(126.0 + 400.0 * *n as f64 / max, 1)?;
        h.lit("\" y=\"")?;
        h.fixed(y + 14.0, 0)?;
        h.lit("\">")?;
        h.int(*n)?;
        h.lit("</text>")?;
    }
    h.lit("</svg>\n<table class=\"compact\"><tbody>")?;
    for (name, n) in rows {
        h.lit("<tr><th scope=\"row\">")?;
        h.lit(name)?;
        h.lit("</th><td>")?;
        h.int(*n)?;
        h.lit("</td></tr>")?;
    }
    h.lit("</tbody></table>\n")
}

/// The latency table of the three ops.
fn latency_table<W: Write>(h: &mut Html<'_, W>, of: impl Fn(Op) -> Option<Latency>) -> fmt::Result {
    h.lit("<div class=\"scroll\"><table>\n<thead><tr><th scope=\"col\">Op</th><th scope=\"col\">Timed</th><th scope=\"col\">Mean</th><th scope=\"col\">p50</th><th scope=\"col\">p95</th><th scope=\"col\">p99</th><th scope=\"col\">Max</th></tr></thead>\n<tbody>\n")?;
    for op in Op::ALL {
        let l = of(op).unwrap_or_default();
        h.lit("<tr><th scope=\"row\">")?;
        h.lit(op.name())?;
        h.lit("</th><td>")?;
        h.int(l.count)?;
        for v in [l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms] {
            h.lit("</td><td>")?;
            if l.count == 0 {
                h.lit("–")?;
            } else {
                h.text(&millis(v))?;
            }
        }
        h.lit("</td></tr>\n")?;
    }
    h.lit("</tbody>\n</table></div>\n")
}

/// A line chart of `lines` over the history, with a y axis from 0 to the largest value
/// (at least `floor`).
fn chart<W: Write>(
    h: &mut Html<'_, W>,
    title: &'static str,
    lines: &[Line<'_>],
    floor: f64,
) -> fmt::Result {
    let max = top(lines, floor);
    h.lit("<figure class=\"chart\"><figcaption>")?;
    h.lit(title)?;
    h.lit("<span class=\"legend\">")?;
    for l in lines {
        h.lit(" <span class=\"key ")?;
        h.lit(l.class)?;
        h.lit("\">")?;
        h.lit(l.name)?;
        h.lit("</span>")?;
    }
    h.lit("</span></figcaption>\n<svg viewBox=\"0 0 600 160\" role=\"img\" aria-label=\"")?;
    h.lit(title)?;
    h.lit("\">")?;
    for (f, label_y) in [(1.0, PAD[1] + 4.0), (0.5, y_of(max / 2.0, max) + 4.0)] {
        let y = y_of(max * f, max);
        h.lit("<line class=\"grid\" x1=\"")?;
        h.fixed(PAD[0], 0)?;
        h.lit("\" x2=\"")?;
        h.fixed(CHART_W - PAD[2], 0)?;
        h.lit("\" y1=\"")?;
        h.fixed(y, 1)?;
        h.lit("\" y2=\"")?;
        h.fixed(y, 1)?;
        h.lit("\"/><text class=\"axis\" x=\"")?;
        h.fixed(PAD[0] - 4.0, 0)?;
        h.lit("\" y=\"")?;
        h.fixed(label_y, 1)?;
        h.lit("\">")?;
        h.text(&compact(max * f))?;
        h.lit("</text>")?;
    }
    let base = y_of(0.0, max);
    h.lit("<line class=\"base\" x1=\"")?;
    h.fixed(PAD[0], 0)?;
    h.lit("\" x2=\"")?;
    h.fixed(CHART_W - PAD[2], 0)?;
    h.lit("\" y1=\"")?;
    h.fixed(base, 1)?;
    h.lit("\" y2=\"")?;
    h.fixed(base, 1)?;
    h.lit("\"/><text class=\"axis\" x=\"")?;
    h.fixed(PAD[0] - 4.0, 0)?;
    h.lit("\" y=\"")?;
    h.fixed(base + 4.0, 1)?;
    h.lit("\">0</text>")?;
    for l in lines {
        let n = l.values.len();
        h.lit("<polyline class=\"")?;
        h.lit(l.class)?;
        h.lit("\" points=\"")?;
        for (i, v) in l.values.iter().enumerate() {
            if i > 0 {
                h.lit(" ")?;
            }
            h.fixed(x_of(i, n), 1)?;
            h.lit(",")?;
            h.fixed(y_of(*v, max), 1)?;
        }
        h.lit("\"/>")?;
        if n == 1 {
            h.lit("<circle class=\"")?;
            h.lit(l.class)?;
            h.lit("\" r=\"3\" cx=\"")?;
            h.fixed(x_of(0, 1), 1)?;
            h.lit("\" cy=\"")?;
            h.fixed(l.values.first().map_or(base, |v| y_of(*v, max)), 1)?;
            h.lit("\"/>")?;
        }
    }
    h.lit("</svg></figure>\n")
}

/// The report's style sheet.
const STYLE: &str = "
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--bg:#fff;--card:#f6f8fa;--line:#d0d7de;--c1:#1a7f37;--c2:#0969da;--c3:#cf222e;--c4:#8250df}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--c1:#3fb950;--c2:#58a6ff;--c3:#f85149;--c4:#bc8cff}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1100px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.5rem;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:0 0 10px}
header p{color:var(--muted);margin:0 0 12px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px;margin:0 0 16px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin:0 0 12px}
.tiles div{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:8px}
dt{color:var(--muted);font-size:.8rem}
dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
figure{margin:0 0 12px}
figcaption{font-size:.9rem;margin:0 0 4px}
.legend{color:var(--muted);font-size:.8rem;margin-left:8px}
.key::before{content:'';display:inline-block;width:10px;height:3px;margin:0 4px 3px 6px;background:currentColor}
.key.s1{color:var(--c1)}.key.s2{color:var(--c2)}.key.s3{color:var(--c3)}.key.lim{color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
svg{display:block;width:100%;height:auto}
svg text{font-size:16px;fill:var(--muted)}
.bars text{font-size:13px}
.axis{text-anchor:end}
.grid{stroke:var(--line);stroke-dasharray:3 3}
.base{stroke:var(--line)}
polyline{fill:none;stroke-width:2;stroke-linejoin:round}
polyline.s1{stroke:var(--c1)}polyline.s2{stroke:var(--c2)}polyline.s3{stroke:var(--c3)}polyline.lim{stroke:var(--muted);stroke-dasharray:6 4;stroke-width:1}
circle.s1{fill:var(--c1)}circle.s2{fill:var(--c2)}circle.s3{fill:var(--c3)}circle.lim{fill:var(--muted)}
.track{fill:var(--line)}.fill{fill:var(--c2)}
.bars{max-width:600px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
table.compact{position:absolute;left:-9999px}
.scroll{overflow-x:auto}
tr.firing th,tr.firing td{color:var(--c3);font-weight:600}
.empty{color:var(--muted)}
code{font-size:.9em}
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_quotes() {
        let mut s = String::new();
        Html::new(&mut s)
            .text("<img src=x onerror=alert(1)> & \"q\" 'a' \u{1}")
            .unwrap();
        assert_eq!(
            s,
            "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39; \u{fffd}"
        );
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_006_400_000.0), "2023-11-15 00:00:00 UTC");
        assert_eq!(
            utc(951_782_400_000.0 + 3_723_000.0),
            "2000-02-29 01:02:03 UTC"
        );
        assert_eq!(utc(f64::NAN), "–");
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(compact(1234.0), "1234");
        assert_eq!(compact(12_345.0), "12.3k");
        assert_eq!(compact(5_600_000.0), "5.6M");
        assert_eq!(compact(0.5), "0.500");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
        assert_eq!(millis(0.01234), "0.0123 ms");
        assert_eq!(millis(12.345), "12.35 ms");
    }

    #[test]
    fn points_stay_inside_the_plot() {
        assert_eq!(y_of(0.0, 10.0), CHART_H - PAD[3]);
        assert_eq!(y_of(10.0, 10.0), PAD[1]);
        assert_eq!(y_of(50.0, 10.0), PAD[1]);
        assert_eq!(y_of(f64::NAN, 10.0), CHART_H - PAD[3]);
        assert_eq!(x_of(0, 3), PAD[0]);
        assert_eq!(x_of(2, 3), CHART_W - PAD[2]);
        assert_eq!(x_of(0, 1), PAD[0] + (CHART_W - PAD[0] - PAD[2]) / 2.0);
    }
}
