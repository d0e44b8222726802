//! The toolbar: the cache's name, the period switch, pause/resume and clear.

use yew::prelude::*;

use super::StateProps;
use crate::history::Period;
use crate::state::Action;

/// The toolbar.
#[function_component]
pub fn Toolbar(p: &StateProps) -> Html {
    let state = &p.state;
    let name = state
        .shown()
        .latest
        .as_ref()
        .map(|f| f.cache.clone())
        .unwrap_or_default();
    let paused = state.paused();
    let toggle = {
        let s = state.clone();
        Callback::from(move |_| {
            s.dispatch(if paused {
                Action::Resume
            } else {
                Action::Pause
            })
        })
    };
    let clear = {
        let s = state.clone();
        Callback::from(move |_| s.dispatch(Action::Clear))
    };
    let unseen = state.unseen();
    html! {
        <div class="cwd-toolbar">
            <h2 class="cwd-title">
                { "Cache " }
                if !name.is_empty() { <span class="cwd-cache-name">{ name }</span> }
            </h2>
            <div class="cwd-controls">
                <div class="cwd-periods" role="group" aria-label="Period">
                    { for Period::ALL.iter().map(|&period| {
                        let s = state.clone();
                        let pressed = state.period == period;
                        html! {
                            <button type="button" class={classes!("cwd-period", pressed.then_some("on"))}
                                aria-pressed={pressed.to_string()}
                                onclick={Callback::from(move |_| s.dispatch(Action::Period(period)))}>
                                { period.label() }
                            </button>
                        }
                    }) }
                </div>
                <button type="button" class="cwd-pause" aria-pressed={paused.to_string()} onclick={toggle}>
                    { if paused { "Resume" } else { "Pause" } }
                    if unseen > 0 { <span class="cwd-badge">{ format!(" +{unseen}") }</span> }
                </button>
                <button type="button" class="cwd-clear" onclick={clear}>{ "Clear" }</button>
            </div>
        </div>
    }
}
