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

use crate::source::{
    poll_ms, source_kind, Retries, SourceKind, StreamError, POLL_DEFAULT_MS, STREAM_CLOSED,
};
use crate::state::{Connection, Retry};

/// What a source hands its payloads to.
pub trait Sink {
    /// A payload of one frame or an array of frames as JSON text; returns the frames'
    /// interval in seconds, if any frame came.
    fn text(&self, text: &str) -> Result<Option<f64>, String>;
    /// The source's state changed.
    fn state(&self, c: Connection);

    /// A frame as a JS value (a `CacheManager`'s frame, a channel message). One that is
    /// not a frame is reported; the source is still listened to.
    fn value(&self, v: &JsValue) {
        match JSON::stringify(v).ok().and_then(|s| s.as_string()) {
            Some(text) => {
                if let Err(e) = self.text(&text) {
                    self.state(Connection::Rejected(e));
                }
            }
            None => self.state(Connection::Rejected("not JSON".into())),
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

/// The state shared by a URL source's loop, its event stream and its stopper.
#[derive(Default)]
struct UrlState {
    alive: Cell<bool>,
    request: RefCell<Option<AbortController>>,
    stream: RefCell<Option<EventStream>>,
    retries: RefCell<Retries>,
}

impl UrlState {
    /// Counts a failure and tells `sink` why and when the next try comes; returns that wait
    /// in ms.
    fn failed(&self, sink: &dyn Sink, why: String) -> u32 {
        let ms = self.retries.borrow_mut().failed();
        sink.state(Connection::Disconnected(why, Retry::After(ms)));
        ms
    }
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

/// Polls `url` until it answers an event stream, which is then opened instead.
async fn poll(url: String, sink: Rc<dyn Sink>, shared: Rc<UrlState>) {
    let mut every = POLL_DEFAULT_MS;
    while shared.alive.get() {
        let mut wait = None;
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
                        shared.retries.borrow_mut().succeeded();
                        match interval {
                            Some(s) => every = poll_ms(s),
                            None => sink.state(Connection::Waiting),
                        }
                    }
                    Err(e) => {
                        wait = Some(shared.failed(&*sink, e));
                    }
                }
            }
            Err(e) => {
                if !shared.alive.get() {
                    return;
                }
                wait = Some(shared.failed(&*sink, e));
            }
        }
        TimeoutFuture::new(wait.unwrap_or(every)).await;
    }
}

/// Drops the closed event stream after `ms`, then reads `url` again from the start.
async fn reopen(url: String, sink: Rc<dyn Sink>, shared: Rc<UrlState>, ms: u32) {
    TimeoutFuture::new(ms).await;
    // Dropped here, outside its own handlers.
    drop(shared.stream.borrow_mut().take());
    if shared.alive.get() {
        poll(url, sink, shared).await;
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

/// Opens an EventSource on `url`. The browser reconnects a dropped stream by itself; a
/// stream it closes for good (an HTTP error status, another content type) is opened again
/// here, after a growing wait.
fn open_stream(url: &str, sink: &Rc<dyn Sink>, shared: &Rc<UrlState>) {
    let source = match EventSource::new(url) {
        Ok(s) => s,
        Err(e) => {
            let ms = shared.failed(&**sink, reason(&e));
            spawn_local(reopen(
                url.to_string(),
                Rc::clone(sink),
                Rc::clone(shared),
                ms,
            ));
            return;
        }
    };
    let s = Rc::clone(sink);
    let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| s.state(Connection::Waiting));
    let s = Rc::clone(sink);
    let weak = Rc::downgrade(shared);
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        let data = e
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string());
        if let Some(text) = data {
            match s.text(&text) {
                Ok(Some(_)) => {
                    if let Some(shared) = weak.upgrade() {
                        shared.retries.borrow_mut().succeeded();
                    }
                }
                Ok(None) => {}
                Err(err) => s.state(Connection::Rejected(err)),
            }
        }
    });
    let s = Rc::clone(sink);
    let weak = Rc::downgrade(shared);
    let url = url.to_string();
    let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let ready = shared
            .stream
            .borrow()
            .as_ref()
            .map_or(STREAM_CLOSED, |st| st.source.ready_state());
        let next = shared.retries.borrow_mut().stream_error(ready);
        match next {
            StreamError::BrowserRetries => s.state(Connection::Disconnected(
                "the event stream dropped".into(),
                Retry::Browser,
            )),
            StreamError::Reopen(ms) => {
                if let Some(st) = shared.stream.borrow().as_ref() {
                    st.source.close();
                }
                s.state(Connection::Disconnected(
                    "the server refused the event stream".into(),
                    Retry::After(ms),
                ));
                if shared.alive.get() {
                    spawn_local(reopen(url.clone(), Rc::clone(&s), shared, ms));
                }
            }
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    *shared.stream.borrow_mut() = Some(EventStream {
        source,
        _handlers: [on_open, on_message, on_error],
    });
}
