// Demo workload: Zipf-distributed gets against a CacheManager with telemetry, read-through on a
// miss, incidents on demand, the live dashboard beside it and the HTML report for download.
import init, { CacheManager } from "cache-wasm";
import { mountDashboard } from "cache-wasm/dashboard";

const TICK_MS = 100;
const RENDER_EVERY = 3;
const RECENT_SHOWN = 24;
const STORM_MS = 8000;
const SLOW_MISS_MS = 2;
const CHANNEL = "cache-wasm-demo";

const $ = (id) => document.getElementById(id);
const numberFormat = new Intl.NumberFormat("en-US");

// Cumulative weights of keys 1..n under a Zipf law with exponent s.
function zipfTable(n, s) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / Math.pow(i + 1, s);
    cdf[i] = total;
  }
  for (let i = 0; i < n; i++) cdf[i] /= total;
  return cdf;
}

// Draws a key rank by binary search over the cumulative weights.
function drawRank(cdf) {
  const u = Math.random();
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readSettings() {
  const int = (id, min, max) => {
    const v = Math.floor(Number($(id).value));
    return Math.min(max, Math.max(min, Number.isFinite(v) ? v : min));
  };
  const skew = Number($("skew").value);
  return {
    name: $("cacheName").value || "demo",
    maxEntries: int("maxEntries", 1, 1_000_000),
    keySpace: int("keySpace", 1, 1_000_000),
    skew: Number.isFinite(skew) ? Math.min(3, Math.max(0, skew)) : 0.9,
    ttl: int("ttl", 0, 3_600_000),
    rate: int("rate", 1, 200_000),
    policy: $("policy").value === "tinylfu" ? "tinylfu" : "lru",
  };
}

let cache = null;
let dashboard = null;
let cdf = null;
let settings = null;
let timer = null;
let ticks = 0;
let stormUntil = 0;
// What was left of a storm when the workload paused, in ms; it goes on when the workload resumes.
let stormLeft = 0;
let stormSerial = 0;
let slow = false;
const alerts = [];

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function logAlert(type, details) {
  alerts.push({ type, details });
  const li = document.createElement("li");
  li.className = details.state;
  const when = new Date(details.at_ms).toLocaleTimeString();
  const value = type === "high_miss_rate" ? `${(details.value * 100).toFixed(1)}%` : `${details.value.toFixed(2)} ms`;
  li.textContent = `${when} ${type} ${details.state}: ${value} on ${details.op} (${details.layer}) in ${details.cache}`;
  $("alert-log").prepend(li);
  while ($("alert-log").children.length > 8) $("alert-log").lastElementChild.remove();
}

function start() {
  settings = readSettings();
  dashboard?.unmount();
  cache?.free();
  cache = new CacheManager({
    name: settings.name,
    maxEntries: settings.maxEntries,
    defaultTtl: settings.ttl,
    evictionPolicy: settings.policy,
    enableTelemetry: true,
    telemetryInterval: 1,
    alertOnHighMissRate: true,
    highMissRateThreshold: 0.5,
    telemetryChannel: CHANNEL,
  });
  cdf = zipfTable(settings.keySpace, settings.skew);
  dashboard = mountDashboard($("dashboard"), { source: cache, onAlert: logAlert });
  resume();
}

function busyWait(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // A slow origin: the loader holds the thread.
  }
}

function runOps() {
  const n = Math.max(1, Math.round((settings.rate * TICK_MS) / 1000));
  const storming = performance.now() < stormUntil;
  for (let i = 0; i < n; i++) {
    const key = storming ? `storm:${stormSerial++}` : `item:${drawRank(cdf)}`;
    if (cache.get(key) === undefined) {
      if (slow) busyWait(SLOW_MISS_MS);
      // The "load" on a miss: any value will do for the simulation.
      cache.set(key, { key, loadedAt: i });
    }
    // Slow misses stop the tick once it has used its time.
    if (slow && i % 16 === 15 && performance.now() - tickStart > TICK_MS * 0.8) break;
  }
}

let tickStart = 0;
function tick() {
  tickStart = performance.now();
  try {
    runOps();
    if (++ticks % RENDER_EVERY === 0) render();
  } catch (err) {
    pause();
    setStatus(`Stopped: ${err?.message ?? err}`, true);
  }
}

function render() {
  const stats = cache.getStats();
  $("gets").textContent = numberFormat.format(stats.gets);
  $("hits").textContent = numberFormat.format(stats.hits);
  $("misses").textContent = numberFormat.format(stats.misses);
  $("hitRate").textContent = `${stats.hit_rate.toFixed(1)}%`;
  $("size").textContent = numberFormat.format(stats.size.entries);
  $("evictions").textContent = numberFormat.format(stats.evictions.total);
  const items = cache
    .keys(RECENT_SHOWN)
    .map((key) => {
      const li = document.createElement("li");
      li.textContent = key;
      return li;
    });
  $("recent").replaceChildren(...items);
  const storming = performance.now() < stormUntil;
  $("storm").disabled = storming || timer === null;
}

function resume() {
  clearInterval(timer);
  timer = setInterval(tick, TICK_MS);
  if (stormLeft > 0) {
    stormUntil = performance.now() + stormLeft;
    stormLeft = 0;
  }
  render();
  $("toggle").textContent = "Pause";
  setStatus(
    `Running: ${numberFormat.format(settings.rate)} gets a second over ${numberFormat.format(settings.keySpace)} keys, ` +
      `${settings.policy.toUpperCase()} cache of ${numberFormat.format(settings.maxEntries)} entries` +
      (settings.ttl > 0 ? `, TTL ${numberFormat.format(settings.ttl)} ms.` : "."),
  );
}

function pause() {
  clearInterval(timer);
  timer = null;
  const now = performance.now();
  if (stormUntil > now) {
    stormLeft += stormUntil - now;
    stormUntil = 0;
  }
  $("toggle").textContent = "Resume";
  setStatus("Paused.");
  // The figures as they are now, not as of the last render, and the storm button disabled.
  try {
    render();
  } catch {
    // A cache that could not be built or used: the caller's status says why.
  }
}

function downloadReport() {
  const html = cache.generateDashboard();
  const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `cache-report-${settings.name.replace(/[^a-z0-9_-]+/gi, "_").slice(0, 40) || "cache"}.html`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function main() {
  await init();
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    try {
      start();
    } catch (err) {
      pause();
      setStatus(String(err?.message ?? err), true);
    }
  });
  $("toggle").addEventListener("click", () => (timer === null ? resume() : pause()));
  $("storm").addEventListener("click", () => {
    if (timer === null) return;
    stormUntil = performance.now() + STORM_MS;
    render();
  });
  $("slow").addEventListener("click", () => {
    slow = !slow;
    $("slow").setAttribute("aria-pressed", String(slow));
  });
  $("download").addEventListener("click", downloadReport);
  start();
  // For the browser tests and for poking at the cache from the console.
  window.demo = { get cache() { return cache; }, get dashboard() { return dashboard; }, alerts };
}

main().catch((err) => {
  setStatus(`Could not start: ${err?.message ?? err}`, true);
  console.error(err);
});
