// CacheManager and CacheConfig: the public classes, over the wasm engine.
//
// Keys and values stay in JS arrays indexed by slot; the engine sees a seeded 32-bit hash of
// each key and answers with slots. Several keys may share a hash: every candidate slot is
// checked against the key here, and the engine is asked for the next one on a mismatch.

import { Exporter, httpRequest } from "./export.js";
import { MAX_SIZE, Tiers, engineKey, isSize } from "./tiers.js";

const NIL = 4294967295;
const TWO_32 = 4294967296;

let Engine = null;
let memory = null;

/** Connects the classes to an instantiated wasm module: its glue and its exports. */
export function bindEngine(glue, exports) {
  Engine = glue.Engine;
  memory = exports.memory;
}

// Makes UDP senders for StatsD pushes; set by the Node entries only.
let udpSender = null;

/** Gives the classes a UDP transport (Node's `node:dgram`) for StatsD endpoints. */
export function bindUdp(factory) {
  udpSender = factory;
}

// Where pushes go, or null; refuses a UDP endpoint in a runtime without UDP, and an HTTP one
// whose URL this runtime cannot parse. `instance()` gives the id that names the cache's pushes.
function exportTarget(engine, settings, instance) {
  if (!settings.telemetryExport) return null;
  const json = engine.exportTarget(instance());
  if (json === undefined) return null;
  const target = JSON.parse(json);
  if (target.transport === "http") target.request = httpRequest(target.url, settings.telemetryExportEndpoint);
  if (target.transport === "udp" && udpSender === null) {
    throw new TypeError(
      `cache-wasm: telemetryExportEndpoint ${JSON.stringify(settings.telemetryExportEndpoint)} is a StatsD endpoint over UDP, ` +
        "which this runtime cannot reach (browsers and Workers have no UDP); give an http(s):// URL that accepts StatsD lines",
    );
  }
  return target;
}

function engineClass() {
  if (Engine === null) {
    throw new Error("cache-wasm is not initialised yet: call `await init()` first");
  }
  return Engine;
}

// Seeded so that keys cannot be chosen to collide in a process. The seed is drawn on the
// first hash, not at import: Workers allow random values only inside a handler.
let SEED = 0;
function seed() {
  if (SEED === 0) {
    try {
      const a = new Uint32Array(1);
      globalThis.crypto.getRandomValues(a);
      SEED = a[0] | 1;
    } catch {
      // Random values are refused here (a Worker's global scope): fall back to the clock.
      SEED = (Date.now() ^ 0x5bd1e995) | 1;
    }
  }
  return SEED;
}

let instance = null;

/** Names this process or isolate: the `instance` of the first live cache of each name. */
export function instanceId() {
  if (instance === null) {
    const a = new Uint8Array(6);
    try {
      globalThis.crypto.getRandomValues(a);
    } catch {
      a.set([Date.now() & 255, 1, 2, 3, 4, 5]);
    }
    instance = Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  return instance;
}

// The numbers held by the live caches of each name. A cache's frames and exports name it
// instanceId() when it holds 1, else `${instanceId()}-${n}`: no two live caches of a process
// share both their `cache` and their `instance`, so their frames and series stay apart.
const instanceNumbers = new Map();

// Takes the lowest number that no live cache named `name` holds.
function takeInstanceNumber(name) {
  let held = instanceNumbers.get(name);
  if (held === undefined) {
    held = new Set();
    instanceNumbers.set(name, held);
  }
  let n = 1;
  while (held.has(n)) n++;
  held.add(n);
  return n;
}

function releaseInstanceNumber(name, n) {
  const held = instanceNumbers.get(name);
  if (held === undefined) return;
  held.delete(n);
  if (held.size === 0) instanceNumbers.delete(name);
}

// Gives back the number of a cache that is garbage collected without free().
const instanceReleases =
  typeof FinalizationRegistry === "function" ? new FinalizationRegistry(({ name, n }) => releaseInstanceNumber(name, n)) : null;

const now = () => Date.now();
const clock = globalThis.performance?.now ? () => globalThis.performance.now() : now;

// A timer calling `fn(target)` that never keeps a Node process alive on its own and lets
// `target` be garbage collected: it stops once the target is gone. Where timers cannot be set
// (a Worker's global scope) it returns null and frames come from flushTelemetry() alone.
function every(ms, target, fn) {
  const ref = new WeakRef(target);
  const tick = () => {
    const obj = ref.deref();
    if (obj === undefined) {
      clearInterval(t);
      return;
    }
    try {
      fn(obj);
    } catch {
      // A timer has no caller to report to; the next call that fails will say why.
    }
  };
  let t = null;
  try {
    t = setInterval(tick, ms);
  } catch {
    return null;
  }
  if (typeof t === "object" && t !== null && typeof t.unref === "function") t.unref();
  return t;
}

// Operations between timed ones without sampling, and the longest run with it. Twice it stays
// a small integer even where V8 compresses pointers (Chromium), whose small integers stop at
// 2^30 - 1, so the countdown never becomes a boxed double; timing a stray operation after
// 2^28 is harmless.
const NO_SAMPLING = 1 << 28;
// The fast path computes a bucket as ⌊mix(h) × n / 2^32⌋ in doubles, exact while n ≤ 2^21.
const FAST_BUCKETS = 1 << 21;
const TWO_TO_MINUS_32 = 1 / 4294967296;
const SLOT_BITS = 0xffffff;
// Words of the engine's shared header.
const H_TABLE_PTR = 0;
const H_TABLE_LEN = 1;
const H_READS_PTR = 2;
const H_READS_COUNT = 3;
const H_READS_CAP = 4;
const H_TIMES_PTR = 5;
const HEADER_WORDS = 6;
// Marks a slot in the buffer of hits as a write of it (slots stay below 2^24).
const WRITTEN = 0x80000000;
// An entry of the buffer of hits that is a get which missed; the key's hash follows it. Every
// append to the buffer leaves room for such a two-word entry, or has the engine apply it.
const MISSED = 0x40000000;
const OP_GET = 0;
const OP_SET = 1;
const OP_DELETE = 2;
// Windows roll over in 5-second slices; figures move into them this often.
const TICK_MS = 5000;

// Keys longer than this are found through a Map rather than hashed on every get; see `#longKeys`.
const LONG_KEY = 32;

// Two UTF-16 units a step: the pair is spread over 32 bits by a multiply of its own (which no
// step waits for), mixed in by another, and the high bits folded down before the next step; a
// finaliser spreads every input bit over the result. Keys that differ in a few digits collide
// no more often than random hashes would. It is kept small in bytecode, so that V8 can inline
// `get` with its hash, probe and miss into a caller's loop within one inlining budget (see
// ARCHITECTURE.md). `tests/golden/key-hashes.txt` pins it and `hashInt`, for the trace
// replay's Rust copy of them (`policy/replay.rs`).
function hashKey(s) {
  const n = s.length;
  let h = (SEED || seed()) ^ n;
  let i = 1;
  for (; i < n; i += 2) {
    h = Math.imul(h ^ Math.imul(s.charCodeAt(i - 1) | (s.charCodeAt(i) << 16), 0xcc9e2d51), 0x9e3779b1);
    h ^= h >>> 15;
  }
  // An odd length leaves one unit, which the finaliser mixes in.
  if (i === n) h ^= s.charCodeAt(i - 1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Integer keys from 0 to 2^31 - 1 are held in the index as numbers: hashed by value and
// compared as numbers, with no string made, read or kept for them. A string is the same key
// as the number whose decimal form it is ("42" and 42; not "042"), so the index holds such a
// string as its number too, and each key has one form. Keys read back are strings.
const MAX_INT_KEY = 0x7fffffff;
const MAX_INT_DIGITS = 10;

// Whether the number `n` is an integer key the index holds as a number.
function isIntKey(n) {
  return (n | 0) === n && n >= 0;
}

// Whether `s` may be an integer key's decimal form. Cheap enough for every set: other keys
// never call `intOf`, so V8 spends none of the caller's inlining budget on it. The length
// comes first: a longer key is often a rope of the strings it was built from (V8 makes one
// from 13 characters up), and reading a character of a rope can cost as much as a get.
function mayBeInt(s) {
  if (s.length > MAX_INT_DIGITS) return false;
  const c = s.charCodeAt(0);
  return c <= 57 && c >= 48;
}

// The integer the string `s` is the decimal form of (no sign, no leading zero), when it is an
// integer key; else -1.
function intOf(s) {
  const n = s.length;
  // The length first, as in `mayBeInt`: a long key's characters are not read.
  if (n > MAX_INT_DIGITS) return -1;
  const c = s.charCodeAt(0);
  if (!(c >= 49 && c <= 57)) return n === 1 && c === 48 ? 0 : -1;
  let v = c - 48;
  for (let i = 1; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v <= MAX_INT_KEY ? v : -1;
}

// The hash of an integer key: seeded, and a bijection, so two integer keys never share one.
function hashInt(n) {
  let h = Math.imul(n ^ (SEED || seed()), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// A key as callers see it: integer keys as their decimal strings.
const keyString = (k) => (typeof k === "number" ? String(k) : k);

function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const t = typeof v;
  if (t === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (t === "number" || t === "boolean" || t === "bigint") return `${t} ${String(v)}`;
  return t === "object" ? "an object" : t;
}

// Accounted size of a value when `size` is not given: string length × 2, byteLength for
// buffers, a shallow structural estimate for objects, at most `MAX_SIZE`. Never throws.
const NOMINAL_OBJECT = 64;
function estimateSize(v) {
  return Math.min(estimateValue(v), MAX_SIZE);
}

function estimateValue(v) {
  switch (typeof v) {
    case "string":
      return v.length * 2;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 4;
    case "object":
      if (v === null) return 0;
      try {
        return estimateObject(v);
      } catch {
        // A getter or a Proxy trap threw: the value cannot be inspected, so it counts as
        // one nested object does.
        return NOMINAL_OBJECT;
      }
    default:
      return NOMINAL_OBJECT;
  }
}

// The estimate of a non-null object. Reading its fields runs its getters and Proxy traps,
// which may throw or call back into the cache.
function estimateObject(v) {
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v.byteLength;
  let size = 16;
  let seen = 0;
  for (const k in v) {
    if (++seen > 32) {
      size += NOMINAL_OBJECT;
      break;
    }
    const f = v[k];
    size += k.length * 2 + 8;
    if (typeof f === "string") size += f.length * 2;
    else if (typeof f === "object" && f !== null) size += ArrayBuffer.isView(f) ? f.byteLength : NOMINAL_OBJECT;
  }
  return size;
}

// Rounds of size estimates before bytes are read (see `#settleSizes`).
const SETTLE_ROUNDS = 4;
const MAX_TTL = 9007199254740991;

function checkTtl(ttl, where) {
  if (typeof ttl !== "number") {
    throw new TypeError(`cache-wasm: ${where} ttl must be a number of milliseconds, got ${describe(ttl)}`);
  }
  if (!(ttl >= 0 && ttl <= MAX_TTL)) {
    throw new RangeError(`cache-wasm: ${where} ttl must be a finite number of milliseconds ≥ 0 (0 = no expiry), got ${String(ttl)}`);
  }
  return ttl;
}

function checkSize(size, where) {
  if (typeof size !== "number") {
    throw new TypeError(`cache-wasm: ${where} size must be a number of bytes, got ${describe(size)}`);
  }
  if (!isSize(size)) {
    throw new RangeError(`cache-wasm: ${where} size must be a whole number of bytes from 0 to 2^32-1, got ${String(size)}`);
  }
  return size;
}

function freedError() {
  return new Error("cache-wasm: this cache was freed; create a new CacheManager");
}

// Stands in for the engine of a freed cache: every method throws freedError().
const FREED = new Proxy(
  {},
  {
    get() {
      return () => {
        throw freedError();
      };
    },
  },
);

// The views of a freed cache: empty, as a detached view is, so every check of the views fails.
const NO_WORDS = new Uint32Array(0);
const NO_TIMES = new Float64Array(0);

// Adds `fn` to `list`; the returned function removes it once, whenever it is called.
function subscribe(list, fn) {
  const entry = (...args) => fn(...args);
  list.push(entry);
  return () => {
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
  };
}

// The layers of a validated config, as the engine read them (`takeLayers()`): the engine
// checked names and shapes, this checks methods.
function checkLayers(layers) {
  layers.forEach((layer, i) => {
    for (const m of ["get", "set", "delete"]) {
      if (typeof layer.store?.[m] !== "function") {
        throw new TypeError(`cache-wasm: option \`layers[${i}]\` (${JSON.stringify(layer.name)}): store has no ${m}() method; a store needs async get, set and delete`);
      }
    }
  });
  return layers;
}

// Marks a CacheConfig of any copy of this module: the ESM and CommonJS entries each have their
// own class, and a config made by one is still a config to the other.
const CONFIG_BRAND = Symbol.for("cache-wasm.CacheConfig");

// The options a config stands for: a CacheConfig's as a plain object, anything else as given
// (the engine takes only plain objects).
function optionsOf(config) {
  if (config instanceof CacheConfig) return config.toJSON();
  if (typeof config === "object" && config !== null && config[CONFIG_BRAND] === true && typeof config.toJSON === "function") {
    return config.toJSON();
  }
  return config;
}

/** Validated settings; pass one, or a plain options object, wherever a config is taken. */
export class CacheConfig {
  constructor(options = {}) {
    const E = engineClass();
    const plain = optionsOf(options);
    const probe = new E(plain, 0);
    let layers;
    try {
      const settings = JSON.parse(probe.settingsJson());
      exportTarget(probe, settings, instanceId);
      Object.assign(this, settings);
      layers = probe.takeLayers();
    } finally {
      probe.free();
    }
    // The entries as validated, frozen; each store is the live object given, not a copy.
    this.layers = Object.freeze(checkLayers(layers).map((layer) => Object.freeze(layer)));
    Object.freeze(this);
  }

  get [CONFIG_BRAND]() {
    return true;
  }

  /** The options as a plain object with camelCase names. */
  toJSON() {
    return { ...this, telemetryExportEndpoint: this.telemetryExportEndpoint ?? undefined };
  }
}

/** A cache of string keys with built-in stats. */
export class CacheManager {
  #e;
  // Keys and values by slot. Their length is their capacity: it doubles as slots are taken,
  // up to maxEntries, so a full cache's arrays hold exactly its bound.
  #keys = [];
  #vals = [];
  // Null until TTLs are in play (see `#timed`); then each slot's absolute expiry as JS last
  // wrote it, the same length as the keys: exactly the engine's for an entry JS stored, and
  // -Infinity for one it did not (ask the engine). A get finds a hit itself when its clock
  // reading is before this; the engine checks every other case.
  #exps = null;
  // The buckets' address when a slot found by probing needs no expiry check (no TTLs in play
  // and a table JS can address), else -1: set() and peek() then trust the probe.
  #fastPtr = -1;
  // The buckets' address when JS can address the table (with or without TTLs), else -1: get()
  // probes it, and checks a hit's expiry when TTLs are in play.
  #probePtr = -1;
  #maxKeyLength;
  #maxBytes;
  #defaultTtl;
  #config;
  // Operations left until the next timed one. Kept a small integer so the hot path stays on
  // integer arithmetic (see NO_SAMPLING).
  #countdown = NO_SAMPLING;
  #sampleEvery = NO_SAMPLING;
  // Operations left in the current run of `#sampleEvery` after its timed one (see `#nextGap`).
  #runLeft = 0;
  // Slots whose value's size is still to be estimated, one bit each. With no byte bound a
  // set stores size 0 and sets the bit; the sizes are estimated when bytes are next read, so
  // entries removed before then are never estimated.
  #sizeDue = new Uint32Array(0);
  #dueCount = 0;
  // Whether sizes are being estimated: a getter that reads bytes meanwhile gets the bytes
  // settled so far, rather than starting the estimates again.
  #settling = false;
  // Hashing a long key in JS costs more than a Map lookup (V8 keeps each string's hash in the
  // string). So every stored key longer than LONG_KEY maps here to its slot: a long key
  // missing here is not stored, and one found here is read by slot; without TTLs a get of a
  // stored long key is this lookup alone.
  #longKeys = new Map();
  // Whether a long key may take any hash: an LRU cache needs no key's hash to be a function
  // of the key, so the engine picks it (insertAny) and a long key is never hashed. W-TinyLFU's
  // frequency sketch must see the same hash for a key every time, so a long key is hashed
  // when it is not found here (a miss, or a store of a new key).
  #anyHash = false;
  // The key and hash of the last get that missed: a read-through set of it skips hashing.
  // A long key that is not stored, on an LRU cache, leaves the key undefined and the hash -1.
  #missKey = undefined;
  #missHash = 0;
  // Whether a key in integer form has been stored (it stays set): until then no string can be
  // a stored key's decimal form, and a get that misses skips that check. The check's calls
  // would otherwise take part of the budget V8 has for inlining get into a caller's loop.
  #intKeys = false;
  // Views of the engine's shared memory: the header, the index's buckets and the hit buffer.
  #sharedPtr = 0;
  #hdr = null;
  #table = null;
  #tablePtr = -1;
  #tableLen = -1;
  // n / 2^32 for a table of n buckets: a hash's home is ⌊mix(h) × this⌋, exact in doubles
  // (see FAST_BUCKETS).
  #homeScale = 0;
  #reads = null;
  #times = null;
  #subscribers = [];
  #alertHandlers = [];
  #timers = [];
  #channel = null;
  #exporter = null;
  // Settles when the latest frame's push is done; null when nothing was pushed.
  #lastPush = null;
  #tiers;
  // The clock reading a write from the layers' path uses (0: read the clock), so that memory's
  // expiry and the envelope's are the same instant.
  #at = 0;
  // With `ttlClock: "task"`, the clock reading TTL checks reuse until the synchronous run
  // that took it ends (see `#readClock`); 0 when none is held.
  #clockAt = 0;
  #clockPerTask = false;
  #forgetClock = () => {
    this.#clockAt = 0;
  };
  // The frame whose callbacks are running, or null; `followUp` when a re-entrant flush built it.
  #delivery = null;
  // The frame promised to flushes called from inside callbacks: { promise, resolve, reject }.
  #pendingFlush = null;
  // This cache's number among the live caches of its name (see `takeInstanceNumber`), and
  // the id it gives, made on first use: Workers allow random values only inside a handler.
  #instanceNumber = 0;
  #instance = null;

  constructor(config) {
    const E = engineClass();
    const options = optionsOf(config);
    this.#e = new E(options, now());
    const s = JSON.parse(this.#e.settingsJson());
    this.#instanceNumber = takeInstanceNumber(s.name);
    instanceReleases?.register(this, { name: s.name, n: this.#instanceNumber }, this);
    let target;
    try {
      target = exportTarget(this.#e, s, () => this.#instanceId());
    } catch (err) {
      this.#releaseInstance(s.name);
      this.#e.free();
      throw err;
    }
    this.#config = s;
    this.#anyHash = s.evictionPolicy === "lru";
    this.#maxKeyLength = s.maxKeyLength;
    this.#maxBytes = s.maxBytes;
    this.#defaultTtl = s.defaultTtl;
    this.#clockPerTask = s.ttlClock === "task" && typeof queueMicrotask === "function";
    if (s.defaultTtl > 0) this.#startTimed();
    this.#sharedPtr = this.#e.sharedPtr();
    this.#views();
    let layers;
    try {
      layers = checkLayers(this.#e.takeLayers());
    } catch (err) {
      this.#releaseInstance(s.name);
      this.#e.free();
      throw err;
    }
    this.#tiers = new Tiers(this.#e, layers, {
      get: (key) => this.get(key),
      put: (key, value, exp, size) => this.#putUntil(key, value, exp, size),
    });
    if (s.enableTelemetry) this.#startTelemetry(s, target);
  }

  // The `instance` of this cache's frames and exports.
  #instanceId() {
    if (this.#instance === null) {
      const id = instanceId();
      this.#instance = this.#instanceNumber === 1 ? id : `${id}-${this.#instanceNumber}`;
    }
    return this.#instance;
  }

  // Gives this cache's number back, for the next cache of its name.
  #releaseInstance(name) {
    instanceReleases?.unregister(this);
    releaseInstanceNumber(name, this.#instanceNumber);
  }

  // (Re)builds the views of shared memory: after the index moved, or memory grew. A freed
  // cache's views fail every check and end up here, so this is where its get() throws.
  #views() {
    if (this.#e === FREED) throw freedError();
    const buf = memory.buffer;
    const hdr = new Uint32Array(buf, this.#sharedPtr, HEADER_WORDS);
    this.#hdr = hdr;
    this.#tablePtr = hdr[H_TABLE_PTR];
    this.#tableLen = hdr[H_TABLE_LEN];
    this.#table = new Uint32Array(buf, this.#tablePtr, this.#tableLen);
    this.#homeScale = this.#tableLen * TWO_TO_MINUS_32;
    this.#reads = new Uint32Array(buf, hdr[H_READS_PTR], hdr[H_READS_CAP]);
    this.#times = new Float64Array(buf, hdr[H_TIMES_PTR], hdr[H_READS_CAP]);
    this.#probePtr = this.#tableLen !== 0 && this.#tableLen <= FAST_BUCKETS ? this.#tablePtr : -1;
    this.#fastPtr = this.#timed ? -1 : this.#probePtr;
  }

  // Rebuilds the views when the index moved or memory grew. Memory that grows detaches every
  // view of it, and a detached view's length is 0. Each check of the views tests the length
  // before it reads a word: once a read has met a detached view, V8 makes it generic and
  // slower, for every cache. (Caches share one memory: any of them may grow it.)
  #syncViews() {
    const hdr = this.#hdr;
    if (hdr.length === 0 || hdr[H_TABLE_PTR] !== this.#tablePtr || hdr[H_TABLE_LEN] !== this.#tableLen) this.#views();
  }

  // Whether the views are current and JS finds keys in the index itself (no TTLs in play).
  #fastViews() {
    const hdr = this.#hdr;
    return hdr.length !== 0 && hdr[H_TABLE_PTR] === this.#fastPtr;
  }

  #startTelemetry(s, target) {
    if (target !== null) {
      this.#exporter = new Exporter({
        target,
        format: s.telemetryExportFormat,
        // A send slower than the interval would only pile up behind the next one.
        timeoutMs: Math.min(10_000, Math.max(1_000, s.telemetryInterval * 1000)),
        onError: () => this.#count("export"),
        udpSender,
      });
    }
    if (s.metricsCollection && s.latencySampleRate > 0) {
      this.#sampleEvery = Math.min(NO_SAMPLING, Math.max(1, Math.round(1 / s.latencySampleRate)));
      this.#countdown = this.#nextGap();
    }
    if (s.telemetryChannel !== null && typeof globalThis.BroadcastChannel === "function") {
      this.#channel = new globalThis.BroadcastChannel(s.telemetryChannel);
      if (typeof this.#channel.unref === "function") this.#channel.unref();
    }
    const interval = s.telemetryInterval * 1000;
    // Static, so that the timers hold no closure of this method: its `onError` arrow makes V8
    // keep `this` in the context every closure made here shares, and the cache could then
    // never be collected while its timers run.
    this.#timers.push(every(Math.min(TICK_MS, interval), this, CacheManager.#tickOf));
    this.#timers.push(every(interval, this, CacheManager.#emitOf));
  }

  static #tickOf(cache) {
    cache.#tick();
  }

  static #emitOf(cache) {
    cache.#emit(false);
  }

  #tick() {
    this.#e.tick(now());
  }

  #bad(err) {
    this.#e.recordError("bad_input");
    return err;
  }

  // `keys()`'s `limit` checked: a whole number of keys.
  #limit(limit) {
    if (typeof limit !== "number") {
      throw this.#bad(new TypeError(`cache-wasm: keys limit must be a number of keys, got ${describe(limit)}`));
    }
    if (!(limit >= 0) || limit !== Math.floor(limit)) {
      throw this.#bad(new RangeError(`cache-wasm: keys limit must be a whole number ≥ 0, got ${String(limit)}`));
    }
    return Math.min(limit, MAX_SIZE);
  }

  // `key` checked as `op`'s key, as a string.
  #key(key, op) {
    if (typeof key === "string") {
      if (key.length > this.#maxKeyLength) {
        throw this.#bad(new RangeError(`cache-wasm: ${op} key is ${key.length} characters long; maxKeyLength is ${this.#maxKeyLength}`));
      }
      return key;
    }
    if (typeof key === "number" && Number.isFinite(key)) return this.#key(String(key), op);
    throw this.#bad(new TypeError(`cache-wasm: ${op} key must be a string or a finite number, got ${describe(key)}`));
  }

  // `key` checked as `op`'s key, in the form the index holds it: an integer key as a number,
  // any other as a string.
  #slotKey(key, op) {
    if (typeof key === "number" && isIntKey(key) && this.#maxKeyLength >= MAX_INT_DIGITS) return key;
    key = this.#key(key, op);
    const n = intOf(key);
    return n >= 0 ? n : key;
  }

  // Whether TTLs are in play: once an entry had one, every get reads the clock.
  get #timed() {
    return this.#exps !== null;
  }

  // The clock reading TTL checks use, or 0 while no entry has a TTL.
  #now() {
    return this.#timed ? this.#clockAt || this.#readClock() : 0;
  }

  // Reads the clock. With `ttlClock: "task"` the reading is held for TTL checks until a
  // microtask clears it: microtasks run when the synchronous run of code ends (the task, or an
  // async function's run up to its next await). A timer would not do: a Worker drops its
  // timers when the request ends, and browsers delay them in background tabs.
  #readClock() {
    const t = now();
    if (this.#clockPerTask) {
      this.#clockAt = t;
      queueMicrotask(this.#forgetClock);
    }
    return t;
  }

  #release(pending) {
    if (pending === 0) return;
    const keys = this.#keys;
    const vals = this.#vals;
    const exps = this.#exps;
    const long = this.#longKeys;
    for (const s of this.#e.takeFreed()) {
      const k = keys[s];
      keys[s] = undefined;
      if (long.size !== 0 && typeof k === "string" && k.length > LONG_KEY) this.#forgetLong(k, s);
      vals[s] = undefined;
      if (exps !== null) exps[s] = -Infinity;
      this.#markDue(s, false);
    }
  }

  // Records whether the entry at `s` waits for its size to be estimated.
  #markDue(s, due) {
    const w = s >>> 5;
    const bit = 1 << (s & 31);
    let bits = this.#sizeDue;
    if (w >= bits.length) {
      if (!due) return;
      const grown = new Uint32Array(Math.max(w + 1, bits.length * 2, 32));
      grown.set(bits);
      this.#sizeDue = bits = grown;
    }
    const was = (bits[w] & bit) !== 0;
    if (due && !was) {
      bits[w] |= bit;
      this.#dueCount++;
    } else if (!due && was) {
      bits[w] &= ~bit;
      this.#dueCount--;
    }
  }

  // Whether the entry at `s` waits for its size to be estimated.
  #isDue(s) {
    const bits = this.#sizeDue;
    const w = s >>> 5;
    return w < bits.length && (bits[w] & (1 << (s & 31))) !== 0;
  }

  // Estimates the sizes still due and hands them to the engine; called before bytes are read.
  // An estimate runs the value's getters, which may change the cache (store, evict, reuse a
  // slot). So every due value is estimated first, and only then is a slot settled, when it
  // still waits and still holds the value that was estimated. Values a getter stored are
  // settled in the next round; a getter that stores new values every time it runs leaves
  // the last round's sizes due, and counted as 0 until the next read.
  #settleSizes() {
    if (this.#settling) return;
    this.#settling = true;
    try {
      this.#settleRounds();
    } finally {
      this.#settling = false;
    }
  }

  #settleRounds() {
    for (let round = 0; round < SETTLE_ROUNDS && this.#dueCount !== 0; round++) {
      const bits = this.#sizeDue;
      const slots = [];
      const values = [];
      for (let w = 0; w < bits.length; w++) {
        let word = bits[w];
        while (word !== 0) {
          const b = 31 - Math.clz32(word);
          word &= ~(1 << b);
          const s = (w << 5) | b;
          slots.push(s);
          values.push(this.#vals[s]);
        }
      }
      const sizes = values.map((v) => (v === undefined ? 0 : estimateSize(v)));
      const pairs = [];
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        const v = values[i];
        if (!this.#isDue(s) || this.#vals[s] !== v) continue;
        this.#markDue(s, false);
        if (v !== undefined) pairs.push(s, sizes[i]);
      }
      this.#release(this.#e.setSizes(Uint32Array.from(pairs), this.#now()));
    }
  }

  // The live slot of `key` (in the index's form) without touching recency or counts, or NIL.
  #lookup(key, now) {
    if (typeof key === "number") return this.#find(key, hashInt(key), now);
    return key.length > LONG_KEY ? this.#longSlot(key, now) : this.#find(key, hashKey(key), now);
  }

  // The slot holding `key` (hash `h`) without touching recency or counts, or NIL.
  #find(key, h, now) {
    if (this.#fastViews()) return this.#probeAny(key, h);
    const e = this.#e;
    const keys = this.#keys;
    let s = e.peek(h, now);
    while (s !== NIL && keys[s] !== key) s = e.peekNext(s, now);
    return s;
  }

  // The first slot holding `key` (hash `h`) found by probing the shared buckets, or NIL; only
  // while the views are current. With TTLs in play its entry may have expired.
  #probe(key, h) {
    const table = this.#table;
    const n = table.length;
    const keys = this.#keys;
    // A bucket's top byte is its distance from home (saturating at 15) above the hash's top
    // 4 bits; `want` is what it must be for this key at the current distance.
    let want = h >>> 28;
    let i = ((Math.imul(h, 0x9e3779b1) >>> 0) * this.#homeScale) | 0;
    for (;;) {
      const b = table[i];
      if (b === NIL) return NIL;
      if (b >>> 24 === want && keys[b & SLOT_BITS] === key) return b & SLOT_BITS;
      if (++i === n) i = 0;
      if (want < 0xf0) want += 0x10;
    }
  }

  // `#probe` for an integer key. A copy of it, so that the comparison of the string keys in
  // `#probe` only ever meets strings, which V8 compiles to its fastest form.
  #probeInt(key, h) {
    const table = this.#table;
    const n = table.length;
    const keys = this.#keys;
    let want = h >>> 28;
    let i = ((Math.imul(h, 0x9e3779b1) >>> 0) * this.#homeScale) | 0;
    for (;;) {
      const b = table[i];
      if (b === NIL) return NIL;
      if (b >>> 24 === want && keys[b & SLOT_BITS] === key) return b & SLOT_BITS;
      if (++i === n) i = 0;
      if (want < 0xf0) want += 0x10;
    }
  }

  // The probe for a key in either form.
  #probeAny(key, h) {
    return typeof key === "number" ? this.#probeInt(key, h) : this.#probe(key, h);
  }

  /** The value for `key`, or undefined on a miss or expiry. Refreshes recency. */
  get(key) {
    // The common case, kept under V8's size limit for inlining one function (see
    // ARCHITECTURE.md on what V8 inlines where): a string key
    // and the index's buckets where the views say (a view of memory that grew is detached,
    // and its length of 0 fails the check; see `#syncViews`). JS probes the buckets in shared
    // memory and records a hit in the buffer that the engine applies, in order, before
    // anything else it does. With TTLs in play a hit also checks the entry's expiry.
    if (--this.#countdown !== 0 && typeof key === "string" && key.length <= this.#maxKeyLength) {
      const hdr = this.#hdr;
      if (hdr.length !== 0 && hdr[H_TABLE_PTR] === this.#probePtr) {
        if (key.length > LONG_KEY) return this.#getLong(hdr, key);
        const h = hashKey(key);
        const s = this.#probe(key, h);
        if (s === NIL) return this.#intKeys ? this.#intMiss(key, h) : this.#miss(key, h);
        if (this.#exps !== null) return this.#getTimed(key, h, s);
        // `#bufferHit`, written out: V8 compiles get once for every cache of the module, and
        // once a cache with TTLs has run, the calls above for it compete with this one for
        // what V8 inlines into the caller's loop.
        const reads = this.#reads;
        const c = hdr[H_READS_COUNT];
        reads[c] = s;
        hdr[H_READS_COUNT] = c + 1;
        if (c + 3 > reads.length) this.#e.applyReads(0);
        return this.#vals[s];
      }
    }
    return this.#getSlow(key);
  }

  // A miss get() found itself for the string `key` once integer keys are stored. A string that
  // is an integer key's decimal form is held as its number, so it is looked up as that first.
  // (Every other miss is of a key already in the index's form, and goes straight to `#miss`.)
  #intMiss(key, h) {
    if (mayBeInt(key)) {
      const n = intOf(key);
      if (n >= 0) return this.#getInt(n);
    }
    return this.#miss(key, h);
  }

  // Appends a hit on `s` (or a write, `s | WRITTEN`) to the buffer the engine applies before
  // anything else it does.
  #bufferHit(hdr, s) {
    const reads = this.#reads;
    const c = hdr[H_READS_COUNT];
    reads[c] = s;
    hdr[H_READS_COUNT] = c + 1;
    if (c + 3 > reads.length) this.#e.applyReads(0);
  }

  // get() of a long key on the fast path: without TTLs `#longKeys` holds exactly the stored
  // long keys, with their slots.
  #getLong(hdr, key) {
    if (this.#exps !== null) return this.#getLongCall(key);
    const s = this.#longKeys.get(key);
    if (s === undefined) return this.#longMiss(key);
    this.#bufferHit(hdr, s);
    return this.#vals[s];
  }

  // A get's miss of the long key `key`, which `#longKeys` does not hold. On an LRU cache the
  // engine picks its hash (-1: any), and the key is not remembered for the set that may follow
  // (see `#miss`).
  #longMiss(key) {
    return this.#anyHash ? this.#miss(undefined, -1) : this.#miss(key, hashKey(key));
  }

  // The slot of the stored long key `key` that has not expired, or NIL.
  #longSlot(key, now) {
    const s = this.#longKeys.get(key);
    if (s === undefined) {
      // A freed cache holds no long keys; this is where its peek() and has() of one throw.
      if (this.#e === FREED) throw freedError();
      return NIL;
    }
    return this.#timed && !this.#e.peekSlot(s, now) ? NIL : s;
  }

  // get() for everything the inlined path leaves: a timed sample, a key to check or convert,
  // TTLs in play, views to rebuild.
  #getSlow(key) {
    if (this.#countdown === 0) return this.#timedGet(key);
    if (typeof key !== "string" || key.length > this.#maxKeyLength) {
      key = this.#slotKey(key, "get");
      if (typeof key === "number") return this.#getInt(key);
    }
    this.#syncViews();
    if (this.#probePtr !== -1) {
      // The views are current now; the fast path can take it.
      this.#countdown++;
      return this.get(key);
    }
    if (key.length > LONG_KEY) return this.#getLongCall(key);
    const n = intOf(key);
    if (n >= 0) return this.#getInt(n);
    return this.#getCall(key, hashKey(key));
  }

  // get() of the integer key `n`, with the same paths as a short string key's.
  #getInt(n) {
    const h = hashInt(n);
    this.#syncViews();
    if (this.#probePtr === -1) return this.#getCall(n, h);
    const s = this.#probeInt(n, h);
    if (s === NIL) return this.#miss(n, h);
    if (this.#exps !== null) return this.#getTimed(n, h, s);
    this.#bufferHit(this.#hdr, s);
    return this.#vals[s];
  }

  // get() of a long key off the fast path: JS (with TTLs in play) or the engine checks the
  // expiry of its slot.
  #getLongCall(key) {
    const s = this.#longKeys.get(key);
    if (s !== undefined) {
      const t = this.#now();
      const exps = this.#exps;
      if (exps !== null && t < exps[s]) return this.#timedHit(s, t);
      if (this.#e.getSlot(s, t) !== NIL) return this.#vals[s];
      // Expired, and removed; the removal may have grown memory.
      this.#release(1);
      this.#syncViews();
    }
    return this.#longMiss(key);
  }

  // get() with TTLs in play, from `s`, the first slot JS found holding `key` (hash `h`): a hit
  // when the entry's expiry as JS wrote it is later than the clock; else the engine checks.
  // An expired entry is removed, and a newer entry of the same key may follow it.
  #getTimed(key, h, s) {
    const t = this.#now();
    for (;;) {
      if (t < this.#exps[s]) return this.#timedHit(s, t);
      if (this.#e.getSlot(s, t) !== NIL) return this.#vals[s];
      this.#release(1);
      // The removal may have grown memory; probe again only through current views.
      this.#syncViews();
      if (this.#hdr[H_TABLE_PTR] !== this.#probePtr) return this.#getCall(key, h);
      s = this.#probeAny(key, h);
      if (s === NIL) return this.#miss(key, h);
    }
  }

  // A hit JS found alive at clock reading `t`: recorded with the reading, for the engine to
  // apply as of then.
  #timedHit(s, t) {
    const hdr = this.#hdr;
    const c = hdr[H_READS_COUNT];
    this.#reads[c] = s;
    this.#times[c] = t;
    hdr[H_READS_COUNT] = c + 1;
    if (c + 3 > this.#reads.length) this.#e.applyReads(t);
    return this.#vals[s];
  }

  // Records a get that found nothing in the buffer of hits, with the key's hash (W-TinyLFU's
  // frequencies count it; LRU only counts the miss), and remembers the key for the set that
  // may follow. Both policies take this one path, so that code which uses both does not make
  // V8 compile either one's get for the other's. A long key on an LRU cache comes as undefined
  // (with `h` of -1: the engine picks its hash), so it is not remembered: set() finds it
  // through `#longKeys` anyway, and comparing two different long strings of one length reads
  // both, which V8 does by first flattening any built by concatenation into a copy, and that
  // costs more than the lookup.
  #miss(key, h) {
    const hdr = this.#hdr;
    const reads = this.#reads;
    const c = hdr[H_READS_COUNT];
    reads[c] = MISSED;
    reads[c + 1] = h;
    hdr[H_READS_COUNT] = c + 2;
    if (c + 4 > reads.length) this.#e.applyReads(0);
    this.#missKey = key;
    this.#missHash = h;
    return undefined;
  }

  // get() through the engine: it finds the candidates for `h`, JS compares their keys.
  #getCall(key, h) {
    const e = this.#e;
    const t = this.#now();
    let s = e.get(h, t);
    if (s !== NIL) {
      const keys = this.#keys;
      while (keys[s] !== key) {
        s = e.getNext(s, t);
        if (s === NIL) break;
      }
      if (s !== NIL) return this.#vals[s];
    }
    this.#missKey = key;
    this.#missHash = h;
    return undefined;
  }

  #timedGet(key) {
    // The nested get takes one off the countdown again.
    this.#countdown = this.#nextGap() + 1;
    const t0 = clock();
    const v = this.get(key);
    this.#e.recordLatency(OP_GET, clock() - t0);
    return v;
  }

  /** Like get, without touching recency or stats. */
  peek(key) {
    key = this.#slotKey(key, "peek");
    const s = this.#lookup(key, this.#now());
    return s === NIL ? undefined : this.#vals[s];
  }

  /** Whether a live entry for `key` exists; does not touch recency or stats. */
  has(key) {
    key = this.#slotKey(key, "has");
    return this.#lookup(key, this.#now()) !== NIL;
  }

  /** Stores `value` under `key`; `options.ttl` in ms (0 = none), `options.size` in bytes. */
  set(key, value, options) {
    if (--this.#countdown === 0) return this.#timedSet(key, value, options);
    if (typeof key !== "string" || key.length > this.#maxKeyLength) {
      key = this.#slotKey(key, "set");
    } else if (mayBeInt(key)) {
      const n = intOf(key);
      if (n >= 0) key = n;
    }
    if (value === undefined) {
      throw this.#bad(new TypeError("cache-wasm: set value is undefined, which cannot be stored; store null, or call delete(key)"));
    }
    let ttl = this.#defaultTtl;
    let size;
    if (options !== undefined && options !== null) ({ ttl, size } = this.#options(options, "set"));
    // Without a byte bound nothing depends on the size until bytes are read.
    const due = size === undefined && this.#maxBytes === 0;
    if (size === undefined) size = due ? 0 : estimateSize(value);
    this.#checkFits(size, "set");
    if (ttl > 0 && !this.#timed) this.#startTimed();
    const t = this.#at || this.#now();
    const e = this.#e;
    // A write while async work is in progress: reads that began earlier must not promote what
    // they found over it.
    if (this.#tiers.busy) e.keyTouched(engineKey(keyString(key)));
    const isLong = typeof key === "string" && key.length > LONG_KEY;
    let r;
    if (key === this.#missKey) {
      // The last get missed this key and nothing has stored it since: it is absent.
      this.#missKey = undefined;
      r = e.insert(this.#missHash, size, ttl, t);
    } else if (isLong) {
      const s = this.#longSlot(key, t);
      if (s !== NIL) return this.#update(s, value, size, ttl, t, due);
      r = this.#anyHash ? e.insertAny(size, ttl, t) : e.insert(hashKey(key), size, ttl, t);
    } else {
      const h = typeof key === "number" ? hashInt(key) : hashKey(key);
      let s = NIL;
      if (this.#fastViews()) {
        // With the fast views current JS finds the key itself, and makes the one call needed
        // (or none, for a write the engine can take with the hits).
        s = this.#probeAny(key, h);
      } else {
        // One call stores a new key; a negative answer is a candidate slot to check first.
        r = e.set(h, size, ttl, t);
        if (r < 0) {
          const keys = this.#keys;
          s = -r - 1;
          while (s !== NIL && keys[s] !== key) s = e.peekNext(s, t);
        }
      }
      if (s !== NIL) return this.#update(s, value, size, ttl, t, due);
      if (r === undefined || r < 0) r = e.insert(h, size, ttl, t);
    }
    if (r !== r) throw new Error("cache-wasm: internal error: insert was refused");
    // An insert may have moved the index (or grown memory); get() must not probe the old one.
    this.#syncViews();
    const s = r >>> 0;
    if (r >= TWO_32) this.#release(1);
    const long = this.#longKeys;
    if (long.size !== 0 || isLong) {
      // The slot may have been the least recent entry's, given to this one in place. (Its
      // key is only read when long keys are stored: a string evicted long ago is cold.)
      const old = this.#keys[s];
      if (typeof old === "string" && old.length > LONG_KEY) this.#forgetLong(old, s);
      if (isLong) long.set(key, s);
    }
    if (s >= this.#keys.length) this.#grow(s);
    if (typeof key === "number") this.#intKeys = true;
    this.#keys[s] = key;
    this.#fill(s, value, ttl, t, due);
    return this;
  }

  // A write over the stored entry at `s` of a cache without TTLs or a byte bound (see
  // `#update`): its size is due and it has no TTL, so the engine has only to count it and
  // move it up, which frees no slot. That goes into the buffer of hits, which the engine
  // applies, in order, before anything else it does.
  #bufferWrite(s, value) {
    this.#vals[s] = value;
    this.#markDue(s, true);
    this.#bufferHit(this.#hdr, s | WRITTEN);
    return this;
  }

  // Stores the value of the entry at `s`, written with `ttl` at clock reading `t`: the value,
  // JS's copy of the expiry (as the engine computes it) and whether its size is still due.
  #fill(s, value, ttl, t, due) {
    this.#vals[s] = value;
    if (this.#exps !== null) this.#exps[s] = ttl > 0 ? t + ttl : Infinity;
    this.#markDue(s, due);
  }

  // Puts TTLs in play: from now on every get reads the clock, and entries get expiries.
  #startTimed() {
    this.#fastPtr = -1;
    // Entries stored so far have no expiry; -Infinity sends their gets to the engine.
    this.#exps = new Float64Array(this.#keys.length).fill(-Infinity);
  }

  // Makes room in the key and value arrays for slot `s`.
  #grow(s) {
    const old = this.#keys;
    const oldVals = this.#vals;
    let cap = Math.min(Math.max(old.length * 2, 16), this.#config.maxEntries);
    if (cap <= s) cap = s + 1;
    const keys = new Array(cap);
    const vals = new Array(cap);
    for (let i = 0; i < old.length; i++) {
      keys[i] = old[i];
      vals[i] = oldVals[i];
    }
    this.#keys = keys;
    this.#vals = vals;
    if (this.#exps !== null) {
      const exps = new Float64Array(cap).fill(-Infinity);
      exps.set(this.#exps);
      this.#exps = exps;
    }
  }

  // Drops the long key `k` whose entry left slot `s`. Without TTLs a key has one entry at
  // most; with them an expired entry may leave after a newer one of its key was stored, and
  // the key then stays.
  #forgetLong(k, s) {
    const long = this.#longKeys;
    if (!this.#timed || long.get(k) === s) long.delete(k);
  }

  // Replaces the value of the entry at `s` for set(). On a cache without TTLs or a byte bound,
  // with the views current, a write without a size needs no call: it goes into the buffer of
  // hits.
  #update(s, value, size, ttl, t, due) {
    if (due && ttl === 0 && this.#fastViews()) return this.#bufferWrite(s, value);
    const pending = this.#e.update(s, size, ttl, t);
    if (pending !== pending) throw new Error("cache-wasm: internal error: update was refused");
    this.#fill(s, value, ttl, t, due);
    this.#release(pending);
    return this;
  }

  // set() at clock reading `at`.
  #setAt(key, value, options, at) {
    this.#at = at;
    try {
      return this.set(key, value, options);
    } finally {
      this.#at = 0;
    }
  }

  // Stores a value found in a layer with its absolute expiry `exp` (0 = none) into memory, with
  // the accounted size it was written with (`size`, when one was given), else an estimate. A
  // value too large for maxBytes stays in the layers only: the reader passed nothing wrong, so
  // it is not refused (and counted) as bad input.
  #putUntil(key, value, exp, size) {
    const t = now();
    if (exp !== 0 && t >= exp) return;
    // (An `exp` beyond the longest TTL, which no cache writes, expires from memory sooner.)
    const options = { ttl: exp === 0 ? 0 : Math.min(exp - t, MAX_TTL), size };
    if (this.#maxBytes > 0) {
      // Estimated once, here; set() then takes it as given.
      if (size === undefined) options.size = estimateSize(value);
      if (options.size > this.#maxBytes) return;
    }
    this.#setAt(key, value, options, t);
  }

  // Operations from a timed one to the next: each run of `#sampleEvery` operations has one
  // timed, at a random place in it. So the count over whole runs is exact, and no period in
  // the caller's pattern of calls (a get then a set, say) keeps one kind from being timed.
  #nextGap() {
    const n = this.#sampleEvery;
    const at = 1 + Math.floor(Math.random() * n);
    const gap = this.#runLeft + at;
    this.#runLeft = n - at;
    return gap;
  }

  // A sampled set: timed only when it stores, as a sampled get or delete is.
  #timedSet(key, value, options) {
    // The nested set takes one off the countdown again.
    this.#countdown = this.#nextGap() + 1;
    const t0 = clock();
    const r = this.set(key, value, options);
    this.#e.recordLatency(OP_SET, clock() - t0);
    return r;
  }

  /** Removes `key`; true when it was there. */
  delete(key) {
    if (--this.#countdown === 0) {
      this.#countdown = this.#nextGap();
      const t0 = clock();
      const found = this.#delete(key);
      this.#e.recordLatency(OP_DELETE, clock() - t0);
      return found;
    }
    return this.#delete(key);
  }

  #delete(key) {
    key = this.#slotKey(key, "delete");
    if (this.#tiers.busy) this.#e.keyTouched(engineKey(keyString(key)));
    const s = this.#lookup(key, this.#now());
    this.#release(this.#e.delete(s));
    return s !== NIL;
  }

  /** Removes every entry. */
  clear() {
    // Entries that expired by now leave as expired, not as cleared.
    this.#e.clear(this.#now());
    this.#longKeys.clear();
    this.#sizeDue = new Uint32Array(0);
    this.#dueCount = 0;
    this.#missKey = undefined;
    this.#keys = [];
    this.#vals = [];
    if (this.#exps !== null) this.#exps = new Float64Array(0);
  }

  /** Live entries. */
  get size() {
    const n = this.#e.size(this.#now());
    this.#release(1);
    return n;
  }

  /** Accounted bytes of the live entries. */
  get bytes() {
    this.#settleSizes();
    const n = this.#e.bytes(this.#now());
    this.#release(1);
    return n;
  }

  /** Live keys, most recently used first; with `limit`, only that many of them. */
  keys(limit) {
    const slots = this.#e.slots(this.#now(), limit === undefined ? MAX_SIZE : this.#limit(limit));
    this.#release(1);
    const keys = this.#keys;
    const out = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = keyString(keys[slots[i]]);
    return out;
  }

  /** The value for `key` from memory or the first layer that has it; a hit is promoted upward. */
  async getAsync(key) {
    key = this.#key(key, "getAsync");
    const v = this.get(key);
    if (v !== undefined || this.#tiers.count === 0) return v;
    return (await this.#tiers.walk(key)).value;
  }

  /** Stores `value` in memory and every layer; rejects with a LayerError naming a layer that refused. */
  async setAsync(key, value, options) {
    key = this.#key(key, "setAsync");
    // Bad input rejects before the write starts, so it never outdates a load in progress.
    if (value === undefined) {
      throw this.#bad(new TypeError("cache-wasm: setAsync value is undefined, which cannot be stored; store null, or call deleteAsync(key)"));
    }
    const checked = this.#options(options, "setAsync");
    // A size the caller gave travels to the layers with the value; an estimate does not.
    const given = checked.size;
    // Estimated once, here; set() then takes it as given.
    if (checked.size === undefined && this.#maxBytes > 0) checked.size = estimateSize(value);
    this.#checkFits(checked.size, "setAsync");
    return this.#tiers.asWrite(key, async () => {
      const t = now();
      this.#setAt(key, value, checked, t);
      if (this.#tiers.count > 0) await this.#tiers.writeThrough(key, value, this.#e.expiresAt(t, checked.ttl), given);
      return this;
    });
  }

  /** Removes `key` from memory and every layer; resolves to whether any of them had it. */
  async deleteAsync(key) {
    key = this.#key(key, "deleteAsync");
    return this.#tiers.asWrite(key, async () => {
      const had = this.#delete(key);
      if (this.#tiers.count === 0) return had;
      const found = await this.#tiers.deleteEverywhere(key);
      return had || found;
    });
  }

  /**
   * Read-through: the value from memory or a layer, else `await loader(key)`, stored with
   * `options.ttl` and `options.size`. Concurrent misses of one key share one loader call; a loader error reaches
   * every waiter and is not cached.
   */
  async fetch(key, loader, options) {
    key = this.#key(key, "fetch");
    if (typeof loader !== "function") {
      throw this.#bad(new TypeError(`cache-wasm: fetch loader must be a function, got ${describe(loader)}`));
    }
    this.#checkFits(this.#options(options, "fetch").size, "fetch");
    const v = this.get(key);
    if (v !== undefined) return v;
    const load = async () => {
      try {
        return await loader(key);
      } catch (err) {
        this.#e.recordError("loader");
        throw err;
      }
    };
    const store = async (value) => {
      try {
        await this.setAsync(key, value, options);
      } catch {
        // The options were checked up front, so this is a layer that refused (counted under
        // its errors) or a value too large for maxBytes (counted as bad input); the loaded
        // value is still the answer.
      }
    };
    return this.#tiers.fetch(key, load, store);
  }

  /** Resolves once every layer call in progress has settled (including ones that timed out). */
  settled() {
    if (this.#e === FREED) return Promise.reject(freedError());
    return this.#tiers.settled();
  }

  // The options of set, setAsync or fetch (`where`), checked and each read once, as
  // { ttl, size }: the default TTL when none is given, size undefined when none is given.
  #options(options, where) {
    let ttl = this.#defaultTtl;
    let size;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") {
        throw this.#bad(new TypeError(`cache-wasm: ${where} options must be an object { ttl, size }, got ${describe(options)}`));
      }
      for (const name in options) {
        if (name !== "ttl" && name !== "size") {
          throw this.#bad(new TypeError(`cache-wasm: ${where} has no option ${JSON.stringify(name)}; its options are { ttl, size }`));
        }
      }
      try {
        if (options.ttl !== undefined) ttl = checkTtl(options.ttl, where);
        if (options.size !== undefined) size = checkSize(options.size, where);
      } catch (err) {
        throw this.#bad(err);
      }
    }
    return { ttl, size };
  }

  // Refuses a size (given or estimated) that could never fit under maxBytes.
  #checkFits(size, where) {
    if (this.#maxBytes > 0 && size > this.#maxBytes) {
      throw this.#bad(new RangeError(`cache-wasm: ${where} size ${size} bytes exceeds maxBytes ${this.#maxBytes}; the entry could never fit`));
    }
  }

  /** Stats for `period`: "all" (default), "minute", "hour" or "day". */
  getStats(period = "all") {
    if (period !== null && typeof period === "object") period = period.period ?? "all";
    if (typeof period !== "string") {
      throw this.#bad(new RangeError(`cache-wasm: getStats period must be "all", "minute", "hour" or "day", got ${describe(period)}`));
    }
    this.#settleSizes();
    let json;
    try {
      json = this.#e.stats(period, now());
    } catch (err) {
      throw this.#bad(err);
    }
    this.#release(1);
    return JSON.parse(json);
  }

  /** One self-contained HTML document: the stats since creation and charts of the recent frames. */
  generateDashboard() {
    this.#settleSizes();
    const html = this.#e.report(now());
    this.#release(1);
    return html;
  }

  /** Calls `callback(frame)` with every metric frame; returns a function that unsubscribes. */
  onMetrics(callback) {
    if (this.#e === FREED) throw freedError();
    if (typeof callback !== "function") {
      throw this.#bad(new TypeError(`cache-wasm: onMetrics takes a function, got ${describe(callback)}`));
    }
    return subscribe(this.#subscribers, callback);
  }

  /** Calls `handler(alertType, details)` on every alert transition; returns an unregister function. */
  registerAlertHandler(handler) {
    if (this.#e === FREED) throw freedError();
    if (typeof handler !== "function") {
      throw this.#bad(new TypeError(`cache-wasm: registerAlertHandler takes a function, got ${describe(handler)}`));
    }
    return subscribe(this.#alertHandlers, handler);
  }

  /** The last alert transitions (at most 100), oldest first: `{ type, ...details }` each. */
  getAlertHistory() {
    return JSON.parse(this.#e.alertHistory());
  }

  /**
   * Builds a frame now, delivers it and runs the alert rules; resolves to the frame.
   *
   * Called from inside a callback (an alert handler or an onMetrics subscriber), the flush
   * does not nest: every such call during one delivery shares one frame, built once that
   * delivery is over. Calls during the delivery of that frame resolve to it, so callbacks
   * that flush on every frame cannot loop.
   */
  flushTelemetry() {
    if (this.#e === FREED) return Promise.reject(freedError());
    if (!this.#config.enableTelemetry) {
      return Promise.reject(new TypeError("cache-wasm: flushTelemetry needs `enableTelemetry: true`"));
    }
    const d = this.#delivery;
    if (d !== null) {
      if (d.followUp) return Promise.resolve(d.frame);
      if (this.#pendingFlush === null) {
        const p = {};
        p.promise = new Promise((resolve, reject) => {
          p.resolve = resolve;
          p.reject = reject;
        });
        this.#pendingFlush = p;
        queueMicrotask(() => this.#flushFollowUp());
      }
      return this.#pendingFlush.promise;
    }
    let frame;
    try {
      frame = this.#emit(false);
    } catch (err) {
      return Promise.reject(err);
    }
    // Resolves once this frame's push is done (delivered, failed or dropped), for waitUntil.
    const push = this.#lastPush ?? Promise.resolve();
    return push.then(() => frame);
  }

  #flushFollowUp() {
    const p = this.#pendingFlush;
    this.#pendingFlush = null;
    if (p === null) return;
    try {
      p.resolve(this.#emit(true));
    } catch (err) {
      p.reject(err);
    }
  }

  /**
   * The metrics as text: "prometheus" (text exposition 0.0.4), "statsd" (one metric a line;
   * counters are deltas since the previous exportMetrics("statsd"), apart from the pushes')
   * or "json" (a frame). Defaults to `telemetryExportFormat`.
   */
  exportMetrics(format = this.#config.telemetryExportFormat) {
    if (typeof format !== "string") {
      throw this.#bad(new TypeError(`cache-wasm: exportMetrics format must be "prometheus", "statsd" or "json", got ${describe(format)}`));
    }
    this.#settleSizes();
    let text;
    try {
      text = this.#e.exportMetrics(format, now(), this.#instanceId(), false);
    } catch (err) {
      throw this.#bad(err);
    }
    this.#release(1);
    return text;
  }

  /** The push queue's figures, or null when `telemetryExport` is off. */
  exportStatus() {
    if (this.#e === FREED) throw freedError();
    return this.#exporter === null ? null : this.#exporter.status();
  }

  /** Stops the telemetry timers, ends pending exports and closes the telemetry channel. */
  close() {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#exporter !== null) this.#exporter.close();
    if (this.#channel !== null) {
      this.#channel.close();
      this.#channel = null;
    }
  }

  // Counts a callback's failure; never throws (a callback may have freed the cache).
  #count(kind) {
    try {
      this.#e.recordError(kind);
    } catch {
      // Nothing left to count into.
    }
  }

  // Builds one frame and hands it to subscribers, the channel and the alert handlers. Each
  // callback runs on its own: a throw (or a rejected promise it returns) is counted and the
  // others still run. A callback may call back into the cache, since no engine call is in
  // progress while it runs; a handler unregistered during delivery is not called after.
  #emit(followUp) {
    this.#settleSizes();
    const json = this.#e.frame(now(), this.#instanceId());
    const frame = JSON.parse(json);
    this.#lastPush = this.#exporter === null ? null : this.#push(json);
    // Taken before any callback runs: a subscriber that edits the frame cannot hide an alert.
    const events = frame.alerts.map(({ type, ...details }) => [type, details]);
    const outer = this.#delivery;
    this.#delivery = { frame, followUp };
    try {
      for (const cb of this.#subscribers.slice()) {
        if (this.#subscribers.includes(cb)) this.#call("subscriber", cb, frame);
      }
      if (this.#channel !== null) {
        try {
          this.#channel.postMessage(frame);
        } catch {
          this.#count("subscriber");
        }
      }
      for (const [type, details] of events) {
        for (const h of this.#alertHandlers.slice()) {
          if (this.#alertHandlers.includes(h)) this.#call("alert_handler", h, type, { ...details });
        }
      }
    } finally {
      this.#delivery = outer;
    }
    return frame;
  }

  // Hands this frame's export to the exporter; never throws.
  #push(frameJson) {
    try {
      const format = this.#config.telemetryExportFormat;
      // StatsD pushes keep their own base: each sends every change since the previous push.
      const text = format === "json" ? frameJson : this.#e.exportMetrics(format, now(), this.#instanceId(), true);
      this.#release(1);
      return this.#exporter.push(text);
    } catch {
      this.#count("export");
      return null;
    }
  }

  #call(kind, fn, ...args) {
    let r;
    try {
      r = fn(...args);
    } catch {
      this.#count(kind);
      return;
    }
    if (r === null || typeof r !== "object") return;
    // Reading `then` runs a getter or a Proxy trap of the callback's, which may throw too.
    try {
      const then = r.then;
      if (typeof then === "function") then.call(r, undefined, () => this.#count(kind));
    } catch {
      this.#count(kind);
    }
  }

  /** The validated settings, camelCase. */
  get config() {
    return { ...this.#config };
  }

  /**
   * Stops telemetry and releases the wasm memory of this cache. Every later call throws (or
   * rejects), except close() and free(), which do nothing; `config` stays readable.
   */
  free() {
    if (this.#e === FREED) return;
    this.close();
    const e = this.#e;
    this.#e = FREED;
    this.#tiers.useEngine(FREED);
    this.#releaseInstance(this.#config.name);
    // The freed memory will be another cache's: no view of it may stay.
    this.#sharedPtr = 0;
    this.#hdr = NO_WORDS;
    this.#table = NO_WORDS;
    this.#reads = NO_WORDS;
    this.#times = NO_TIMES;
    this.#tablePtr = -1;
    this.#tableLen = -1;
    this.#probePtr = -1;
    this.#fastPtr = -1;
    this.#longKeys.clear();
    this.#keys = [];
    this.#vals = [];
    if (this.#exps !== null) this.#exps = NO_TIMES;
    this.#sizeDue = NO_WORDS;
    this.#dueCount = 0;
    this.#missKey = undefined;
    e.free();
  }
}
