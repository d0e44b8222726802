// Entry of "cache-wasm/dashboard": mountDashboard() loads the dashboard's own wasm on first use.
import initDashboard, { mount } from "./dashboard/dashboard_yew.js";

const STYLE_ID = "cache-wasm-dashboard-css";
let ready = null;
// Mounted dashboards stay alive until unmount(), even when the caller drops the handle: the wasm
// object behind it would otherwise be collected and its listeners silently removed.
const mounted = new Set();

function load() {
  if (ready === null) {
    ready = initDashboard({ module_or_path: new URL("./dashboard/dashboard_yew_bg.wasm", import.meta.url) }).catch(
      (err) => {
        ready = null;
        throw err;
      },
    );
  }
  return ready;
}

// The style sheet is a file next to this one, so pages whose CSP forbids inline styles still work.
function addStyles(doc) {
  if (doc.getElementById(STYLE_ID) !== null) return;
  const link = doc.createElement("link");
  link.id = STYLE_ID;
  link.rel = "stylesheet";
  link.href = new URL("./dashboard/dashboard.css", import.meta.url).href;
  doc.head.append(link);
}

const SOURCE_FORMS = 'a CacheManager, "broadcast:<name>" or a URL serving frames';

// The same rule as the dashboard's own (source.rs), checked here so that a bad string throws at
// once instead of rejecting `ready` later.
function checkSource(source) {
  if (typeof source === "string" || source instanceof URL) {
    const s = String(source);
    if (s === "broadcast:") {
      throw new TypeError(
        `cache-wasm: mountDashboard source must be ${SOURCE_FORMS}; "broadcast:" needs a channel name, as in "broadcast:metrics"`,
      );
    }
    if (s.trim() === "") {
      throw new TypeError(`cache-wasm: mountDashboard source must be ${SOURCE_FORMS}; got an empty string`);
    }
    return s;
  }
  if (source !== null && typeof source === "object" && typeof source.onMetrics === "function") return source;
  throw new TypeError(`cache-wasm: mountDashboard source must be ${SOURCE_FORMS}`);
}

/**
 * Draws the live dashboard into `element`. `source` is a CacheManager, "broadcast:<name>" or a
 * URL serving frames (JSON polled, or server-sent events); `onAlert(alertType, details)` is
 * called once per alert transition. Returns `{ unmount(), ready }` at once; `ready` resolves
 * when the dashboard is drawn.
 */
export function mountDashboard(element, { source, onAlert } = {}) {
  if (typeof Element === "undefined" || !(element instanceof Element)) {
    throw new TypeError("cache-wasm: mountDashboard needs a DOM element to draw into");
  }
  const from = checkSource(source);
  if (onAlert !== undefined && onAlert !== null && typeof onAlert !== "function") {
    throw new TypeError("cache-wasm: mountDashboard onAlert must be a function");
  }
  let handle = null;
  let unmounted = false;
  addStyles(element.ownerDocument);
  const drawn = load()
    .then(() => {
      if (unmounted) return;
      handle = mount(element, from, onAlert ?? null);
    })
    .catch((err) => {
      // A dashboard that never mounted has nothing to keep alive.
      mounted.delete(api);
      throw err;
    });
  const api = {
    ready: drawn,
    unmount() {
      unmounted = true;
      mounted.delete(api);
      if (handle !== null) {
        handle.unmount();
        handle.free();
        handle = null;
      }
    },
  };
  mounted.add(api);
  return api;
}

export default mountDashboard;
