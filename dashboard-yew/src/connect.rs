//! The browser side of frame sources: a `CacheManager`'s `onMetrics`, a BroadcastChannel, or
//! a URL read as server-sent events (`text/event-stream`) or else polled as JSON.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    AbortController, BroadcastChannel, EventSource, MessageEvent, RequestInit, Response,
};

use crate::source::{backoff_ms, poll_ms, source_kind, SourceKind, POLL_DEFAULT_MS};
use crate::state::Connection;

/// What a source hands its payloads to.
pub trait Sink {
    /// A payload of one frame or an array of frames as JSON text; returns the frames'
    /// interval in seconds, if any frame came.
    fn text(&self, text: &str) -> Result<Option<f64>, String>;
    /// The source's state changed.
    fn state(&self, c: Connection);

    /// A frame as a JS value (a `CacheManager`'s frame, a channel message).
    fn value(&self, v: &JsValue) {
        match JSON::stringify(v).ok().and_then(|s| s.as_string()) {
            Some(text) => {
                if let Err(e) = self.text(&text) {
                    self.state(Connection::Disconnected(e));
                }
            }
            None => self.state(Connection::Disconnected(
                "a message that is not a frame".into(),
            )),
        }
    }
}

/// A running source; [`Running::stop`] ends it.
pub struct Running {
    stop: Option<Box<dyn FnOnce()>>,
}

impl Running {
    /// Stops listening and cancels pending work.
    pub fn stop(&mut self) {
        if let Some(f) = self.stop.take() {
            f();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// Starts reading frames from `source` into `sink`.
pub fn start(source: &JsValue, sink: Rc<dyn Sink>) -> Result<Running, JsValue> {
    if let Some(s) = source.as_string() {
        return match source_kind(&s).map_err(|e| type_error(&e))? {
            SourceKind::Broadcast(name) => broadcast(&name, sink),
            SourceKind::Url(url) => Ok(url_source(url, sink)),
        };
    }
    let on_metrics = if source.is_object() {
        Reflect::get(source, &JsValue::from_str("onMetrics"))?
    } else {
        JsValue::UNDEFINED
    };
    let Some(on_metrics) = on_metrics.dyn_ref::<Function>() else {
        return Err(type_error(
            "mountDashboard: source must be a CacheManager, \"broadcast:<name>\" or a URL serving frames",
        ));
    };
    manager(source, on_metrics, sink)
}

/// Subscribes with `cache.onMetrics(callback)`.
fn manager(cache: &JsValue, on_metrics: &Function, sink: Rc<dyn Sink>) -> Result<Running, JsValue> {
    let s = Rc::clone(&sink);
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |frame: JsValue| s.value(&frame));
    let unsubscribe = on_metrics.call1(cache, callback.as_ref())?;
    sink.state(Connection::Waiting);
    Ok(Running {
        stop: Some(Box::new(move || {
            if let Some(f) = unsubscribe.dyn_ref::<Function>() {
                let _ = f.call0(&JsValue::UNDEFINED);
            }
            drop(callback);
        })),
    })
}

/// Listens on BroadcastChannel `name`, where caches with `telemetryChannel` post frames.
fn broadcast(name: &str, sink: Rc<dyn Sink>) -> Result<Running, JsValue> {
    let channel = BroadcastChannel::new(name)?;
    let s = Rc::clone(&sink);
    let on_message =
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| s.value(&e.data()));
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    sink.state(Connection::Waiting);
    Ok(Running {
        stop: Some(Box::new(move || {
            channel.set_onmessage(None);
            channel.close();
            drop(on_message);
        })),
    })
}

/// The state shared by a URL source's loop and its stopper.
#[derive(Default)]
struct UrlState {
    alive: Cell<bool>,
    request: RefCell<Option<AbortController>>,
    stream: RefCell<Option<EventStream>>,
}

/// An open EventSource and its handlers.
struct EventStream {
    source: EventSource,
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

/// Reads `url`: an event stream when it answers `text/event-stream`, else polled JSON.
fn url_source(url: String, sink: Rc<dyn Sink>) -> Running {
    let shared = Rc::new(UrlState::default());
    shared.alive.set(true);
    sink.state(Connection::Connecting);
    spawn_local(poll(url, sink, Rc::clone(&shared)));
    Running {
        stop: Some(Box::new(move || {
            shared.alive.set(false);
            if let Some(c) = shared.request.borrow_mut().take() {
                c.abort();
            }
            if let Some(s) = shared.stream.borrow_mut().take() {
                s.source.close();
            }
        })),
    }
}

/// Why a JS call failed, briefly.
fn reason(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "request failed".into())
}

async fn poll(url: String, sink: Rc<dyn Sink>, shared: Rc<UrlState>) {
    let mut failures = 0u32;
    let mut every = POLL_DEFAULT_MS;
    while shared.alive.get() {
        match fetch_once(&url, &shared).await {
            Ok(Fetched::Stream) => {
                if shared.alive.get() {
                    open_stream(&url, &sink, &shared);
                }
                return;
            }
            Ok(Fetched::Text(text)) => {
                if !shared.alive.get() {
                    return;
                }
                match sink.text(&text) {
                    Ok(interval) => {
                        failures = 0;
                        match interval {
                            Some(s) => every = poll_ms(s),
                            None => sink.state(Connection::Waiting),
                        }
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        sink.state(Connection::Disconnected(e));
                    }
                }
            }
            Err(e) => {
                if !shared.alive.get() {
                    return;
                }
                failures = failures.saturating_add(1);
                sink.state(Connection::Disconnected(e));
            }
        }
        let wait = if failures > 0 {
            backoff_ms(failures)
        } else {
            every
        };
        TimeoutFuture::new(wait).await;
    }
}

enum Fetched {
    Stream,
    Text(String),
}

async fn fetch_once(url: &str, shared: &UrlState) -> Result<Fetched, String> {
    let window = web_sys::window().ok_or("no window")?;
    let controller = AbortController::new().map_err(|e| reason(&e))?;
    let init = RequestInit::new();
    init.set_signal(Some(&controller.signal()));
    *shared.request.borrow_mut() = Some(controller.clone());
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| reason(&e))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let kind = response
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if kind.contains("text/event-stream") {
        controller.abort();
        return Ok(Fetched::Stream);
    }
    let text = JsFuture::from(response.text().map_err(|e| reason(&e))?)
        .await
        .map_err(|e| reason(&e))?;
    shared.request.borrow_mut().take();
    text.as_string()
        .map(Fetched::Text)
        .ok_or_else(|| "an empty answer".to_string())
}

fn open_stream(url: &str, sink: &Rc<dyn Sink>, shared: &Rc<UrlState>) {
    let source = match EventSource::new(url) {
        Ok(s) => s,
        Err(e) => return sink.state(Connection::Disconnected(reason(&e))),
    };
    let s = Rc::clone(sink);
    let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| s.state(Connection::Waiting));
    let s = Rc::clone(sink);
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let data = e
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string());
        if let Some(text) = data {
            if let Err(err) = s.text(&text) {
                s.state(Connection::Disconnected(err));
            }
        }
    });
    let s = Rc::clone(sink);
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        // The browser reconnects by itself.
        s.state(Connection::Disconnected("the event stream closed".into()));
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *shared.stream.borrow_mut() = Some(EventStream {
        source,
        _handlers: [on_open, on_message, on_error],
    });
}
