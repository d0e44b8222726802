//! `mount()`: the entry point `dashboard.js` wraps as `mountDashboard(element, { source, onAlert })`.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use yew::AppHandle;

use crate::components::app::{Dashboard, DashboardProps};
use crate::connect::{self, Running, Sink};
use crate::feed::Feed;
use crate::source::{parse_frames, Gate};
use crate::state::{Action, Connection};

/// How often the dashboard checks that frames still arrive, in ms.
const TICK_MS: u32 = 1_000;

/// Hands new frames to the app and alert transitions to `onAlert`, each once.
struct FrameSink {
    feed: Feed,
    gate: RefCell<Gate>,
    on_alert: Option<Function>,
}

fn set(o: &Object, k: &str, v: JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), &v);
}

impl Sink for FrameSink {
    fn text(&self, text: &str) -> Result<Option<f64>, String> {
        let frames = parse_frames(text)?;
        let mut interval = None;
        for frame in frames {
            interval = Some(frame.interval_s);
            if !self.gate.borrow_mut().admit(&frame) {
                continue;
            }
            if let Some(f) = &self.on_alert {
                for a in &frame.alerts {
                    let details = Object::new();
                    set(&details, "state", a.state.as_str().into());
                    set(&details, "value", a.value.into());
                    set(&details, "threshold", a.threshold.into());
                    set(&details, "window_s", a.window_s.into());
                    set(&details, "samples", (a.samples as f64).into());
                    set(&details, "op", a.op.as_str().into());
                    set(&details, "layer", a.layer.as_str().into());
                    set(&details, "at_ms", a.at_ms.into());
                    set(&details, "cache", frame.cache.as_str().into());
                    // A throwing handler must not stop the dashboard.
                    let _ = f.call2(&JsValue::UNDEFINED, &a.kind.as_str().into(), &details);
                }
            }
            self.feed.send(Action::Frame {
                frame: Rc::new(frame),
                received_ms: js_sys::Date::now(),
            });
        }
        Ok(interval)
    }

    fn state(&self, c: Connection) {
        self.feed.send(Action::Connection(c));
    }
}

/// A mounted dashboard.
#[wasm_bindgen]
pub struct DashboardHandle {
    app: Option<AppHandle<Dashboard>>,
    source: Option<Running>,
    tick: Option<Interval>,
}

#[wasm_bindgen]
impl DashboardHandle {
    /// Stops reading frames and removes the dashboard from its element.
    pub fn unmount(&mut self) {
        if let Some(mut s) = self.source.take() {
            s.stop();
        }
        self.tick.take();
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Sends panic messages to the console, where a page's owner can see why the dashboard
/// stopped (the release build aborts on panic).
fn report_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&format!("cache-wasm dashboard: {info}").into());
        }));
    });
}

/// Draws the live dashboard into `element` from `source` (a `CacheManager`,
/// `"broadcast:<name>"` or a URL) and calls `on_alert(type, details)` once per alert
/// transition.
#[wasm_bindgen]
pub fn mount(
    element: web_sys::Element,
    source: JsValue,
    on_alert: JsValue,
) -> Result<DashboardHandle, JsValue> {
    report_panics();
    let on_alert = if on_alert.is_undefined() || on_alert.is_null() {
        None
    } else {
        Some(on_alert.dyn_into::<Function>().map_err(|_| {
            JsValue::from(js_sys::TypeError::new(
                "mountDashboard: onAlert must be a function",
            ))
        })?)
    };
    let feed = Feed::default();
    let sink = Rc::new(FrameSink {
        feed: feed.clone(),
        gate: RefCell::new(Gate::default()),
        on_alert,
    });
    let running = connect::start(&source, sink)?;
    let ticker = feed.clone();
    let tick = Interval::new(TICK_MS, move || {
        ticker.send(Action::Tick(js_sys::Date::now()))
    });
    let app =
        yew::Renderer::<Dashboard>::with_root_and_props(element, DashboardProps { feed }).render();
    Ok(DashboardHandle {
        app: Some(app),
        source: Some(running),
        tick: Some(tick),
    })
}
