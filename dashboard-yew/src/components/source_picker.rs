//! The source picker: the caches and instances seen, with their frame counts; choosing one
//! shows its frames. Drawn only once frames of more than one source came.

use yew::prelude::*;

use super::StateProps;
use crate::format;
use crate::state::Action;

/// The source picker.
#[function_component]
pub fn SourcePicker(p: &StateProps) -> Html {
    let state = &p.state;
    let sources = state.sources();
    if sources.len() < 2 {
        return html! {};
    }
    let shown = state.shown_key();
    html! {
        <div class="cwd-sources" role="group" aria-label="Source">
            <span class="cwd-sources-label">{ format!("{} sources:", sources.len()) }</span>
            { for sources.iter().map(|s| {
                let pressed = shown == Some(&s.key);
                let key = s.key.clone();
                let st = state.clone();
                html! {
                    <button type="button" class={classes!("cwd-source", pressed.then_some("on"))}
                        aria-pressed={pressed.to_string()}
                        data-cache={s.key.cache.clone()} data-instance={s.key.instance.clone()}
                        onclick={Callback::from(move |_| st.dispatch(Action::Select(key.clone())))}>
                        <span class="cwd-source-name">{ s.key.cache.clone() }</span>
                        <span class="cwd-source-instance">{ s.key.instance.clone() }</span>
                        <span class="cwd-source-count">{ format!("{} frames", format::compact(s.frames as f64)) }</span>
                    </button>
                }
            }) }
        </div>
    }
}
