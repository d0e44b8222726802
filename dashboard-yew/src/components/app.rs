//! The dashboard's root: the reducer, the link to the frame feed, and the layout.

use std::rc::Rc;

use yew::prelude::*;

use super::alerts_panel::AlertsPanel;
use super::capacity_panel::CapacityPanel;
use super::errors_panel::ErrorsPanel;
use super::evictions_panel::EvictionsPanel;
use super::hit_rate_panel::HitRatePanel;
use super::latency_panel::LatencyPanel;
use super::layers_table::LayersTable;
use super::source_picker::SourcePicker;
use super::status_banner::StatusBanner;
use super::throughput_panel::ThroughputPanel;
use super::tiles::Tiles;
use super::toolbar::Toolbar;
use super::ttl_panel::TtlPanel;
use crate::feed::Feed;
use crate::state::DashboardState;

/// The root's props: where actions from the frame source come from.
#[derive(Properties, PartialEq)]
pub struct DashboardProps {
    /// Actions from outside (frames, connection states, ticks).
    pub feed: Feed,
}

/// The live dashboard.
#[function_component]
pub fn Dashboard(p: &DashboardProps) -> Html {
    let state = use_reducer(DashboardState::default);
    {
        let feed = p.feed.clone();
        let dispatcher = state.dispatcher();
        use_effect_with(feed, move |feed| {
            feed.attach(Rc::new(move |a| dispatcher.dispatch(a)));
            let feed = feed.clone();
            move || feed.detach()
        });
    }
    let has_data = state.shown().latest.is_some();
    html! {
        <div class="cwd-root">
            <Toolbar state={state.clone()} />
            <SourcePicker state={state.clone()} />
            <StatusBanner state={state.clone()} />
            if has_data {
                <Tiles state={state.clone()} />
                <div class="cwd-grid-panels">
                    <HitRatePanel state={state.clone()} />
                    <ThroughputPanel state={state.clone()} />
                    <LatencyPanel state={state.clone()} />
                    <CapacityPanel state={state.clone()} />
                    <EvictionsPanel state={state.clone()} />
                    <ErrorsPanel state={state.clone()} />
                    <TtlPanel state={state.clone()} />
                    <LayersTable state={state.clone()} />
                </div>
            }
            <AlertsPanel state={state} />
        </div>
    }
}
