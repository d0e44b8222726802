// Demo workload: Zipf-distributed gets against a CacheManager, read-through on a miss, live counts.
import init, { CacheManager } from "cache-wasm";

const TICK_MS = 250;
const RECENT_SHOWN = 24;

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
    maxEntries: int("maxEntries", 1, 1_000_000),
    keySpace: int("keySpace", 1, 1_000_000),
    skew: Number.isFinite(skew) ? Math.min(3, Math.max(0, skew)) : 0.9,
    opsPerTick: int("opsPerTick", 1, 100_000),
    policy: $("policy").value === "tinylfu" ? "tinylfu" : "lru",
  };
}

let cache = null;
let cdf = null;
let settings = null;
let timer = null;

function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", isError);
}

function start() {
  settings = readSettings();
  cache?.free();
  cache = new CacheManager({
    name: "demo",
    maxEntries: settings.maxEntries,
    evictionPolicy: settings.policy,
  });
  cdf = zipfTable(settings.keySpace, settings.skew);
  render();
  resume();
}

function tick() {
  try {
    runOps();
    render();
  } catch (err) {
    pause();
    setStatus(`Stopped: ${err?.message ?? err}`, true);
  }
}

function runOps() {
  for (let i = 0; i < settings.opsPerTick; i++) {
    const key = `item:${drawRank(cdf)}`;
    if (cache.get(key) === undefined) {
      // The "load" on a miss: any value will do for the simulation.
      cache.set(key, { key, loadedAt: i });
    }
  }
}

function render() {
  const stats = cache.getStats();
  $("gets").textContent = numberFormat.format(stats.gets);
  $("hits").textContent = numberFormat.format(stats.hits);
  $("misses").textContent = numberFormat.format(stats.misses);
  $("hitRate").textContent = `${stats.hit_rate.toFixed(1)}%`;
  $("hitRateBar").style.width = `${Math.min(100, Math.max(0, stats.hit_rate))}%`;
  $("size").textContent = numberFormat.format(stats.size.entries);
  $("evictions").textContent = numberFormat.format(stats.evictions.total);
  const list = $("recent");
  const items = cache.keys().slice(0, RECENT_SHOWN).map((key) => {
    const li = document.createElement("li");
    li.textContent = key;
    return li;
  });
  list.replaceChildren(...items);
}

function resume() {
  clearInterval(timer);
  timer = setInterval(tick, TICK_MS);
  $("toggle").textContent = "Pause";
  setStatus(
    `Running: ${numberFormat.format(settings.opsPerTick)} gets every ${TICK_MS} ms over ` +
      `${numberFormat.format(settings.keySpace)} keys, ${settings.policy.toUpperCase()} cache of ` +
      `${numberFormat.format(settings.maxEntries)} entries.`,
  );
}

function pause() {
  clearInterval(timer);
  timer = null;
  $("toggle").textContent = "Resume";
  setStatus("Paused.");
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
  start();
}

main().catch((err) => {
  setStatus(`Could not start: ${err?.message ?? err}`, true);
  console.error(err);
});
