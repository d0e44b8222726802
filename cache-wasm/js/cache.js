// CacheManager and CacheConfig: the public classes, over the wasm engine.
//
// Keys and values stay in JS arrays indexed by slot; the engine sees a seeded 32-bit hash of
// each key and answers with slots. Several keys may share a hash: every candidate slot is
// checked against the key here, and the engine is asked for the next one on a mismatch.

const NIL = 4294967295;
const TWO_32 = 4294967296;

let Engine = null;

/** Connects the classes to an instantiated wasm module (its wasm-bindgen glue). */
export function bindEngine(glue) {
  Engine = glue.Engine;
}

function engineClass() {
  if (Engine === null) {
    throw new Error("cache-wasm is not initialised yet: call `await init()` first");
  }
  return Engine;
}

// Seeded so that keys cannot be chosen to collide in a process.
const SEED = (() => {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0] | 1;
})();

/** Names this process or isolate in frames and exports. */
export const INSTANCE = (() => {
  const a = new Uint8Array(6);
  globalThis.crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
})();

const now = () => Date.now();
const clock = globalThis.performance?.now ? () => globalThis.performance.now() : now;

// A timer calling `fn(target)` that never keeps a Node process alive on its own and lets
// `target` be garbage collected: it stops once the target is gone.
function every(ms, target, fn) {
  const ref = new WeakRef(target);
  const t = setInterval(() => {
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
  }, ms);
  if (typeof t === "object" && t !== null && typeof t.unref === "function") t.unref();
  return t;
}

const NO_SAMPLING = 1 << 30;
const OP_GET = 0;
const OP_SET = 1;
const OP_DELETE = 2;
// Windows roll over in 5-second slices; figures move into them this often.
const TICK_MS = 5000;

// Two UTF-16 units per multiply; the finaliser spreads every input bit over the result.
function hashKey(s) {
  const n = s.length;
  let h = SEED ^ n;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    h = Math.imul(h ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x9e3779b1);
    h ^= h >>> 15;
  }
  if (i < n) h = Math.imul(h ^ s.charCodeAt(i), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  const t = typeof v;
  if (t === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  if (t === "number" || t === "boolean" || t === "bigint") return `${t} ${String(v)}`;
  return t === "object" ? "an object" : t;
}

// Accounted size of a value when `size` is not given: string length × 2, byteLength for
// buffers, a shallow structural estimate for objects.
const NOMINAL_OBJECT = 64;
function estimateSize(v) {
  switch (typeof v) {
    case "string":
      return v.length * 2;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 4;
    case "object": {
      if (v === null) return 0;
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
    default:
      return NOMINAL_OBJECT;
  }
}

const MAX_SIZE = 4294967295;
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
  if (!(size >= 0 && size <= MAX_SIZE) || size !== Math.floor(size)) {
    throw new RangeError(`cache-wasm: ${where} size must be a whole number of bytes from 0 to 2^32-1, got ${String(size)}`);
  }
  return size;
}

// Adds `fn` to `list`; the returned function removes it once, whenever it is called.
function subscribe(list, fn) {
  const entry = (...args) => fn(...args);
  list.push(entry);
  return () => {
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
  };
}

/** Validated settings; pass one, or a plain options object, wherever a config is taken. */
export class CacheConfig {
  constructor(options = {}) {
    const E = engineClass();
    const probe = new E(options instanceof CacheConfig ? options.toJSON() : options, 0);
    try {
      Object.assign(this, JSON.parse(probe.settingsJson()));
    } finally {
      probe.free();
    }
    // Layers hold live store objects, so they are kept as given rather than copied.
    const layers = options instanceof CacheConfig ? options.layers : options?.layers;
    this.layers = Array.isArray(layers) ? layers.slice() : [];
    Object.freeze(this);
  }

  /** The options as a plain object with camelCase names. */
  toJSON() {
    return { ...this, telemetryExportEndpoint: this.telemetryExportEndpoint ?? undefined };
  }
}

/** A cache of string keys with built-in stats. */
export class CacheManager {
  #e;
  #keys = [];
  #vals = [];
  #timed;
  #maxKeyLength;
  #maxBytes;
  #defaultTtl;
  #config;
  // Operations left until the next timed one. Kept a small integer so the hot path stays on
  // integer arithmetic; without sampling it starts at 2^30 and timing a stray op is harmless.
  #countdown = NO_SAMPLING;
  #sampleEvery = NO_SAMPLING;
  // The key and hash of the last get that missed: a read-through set of it skips hashing.
  #missKey = undefined;
  #missHash = 0;
  #subscribers = [];
  #alertHandlers = [];
  #timers = [];
  #channel = null;

  constructor(config) {
    const E = engineClass();
    const options = config instanceof CacheConfig ? config.toJSON() : config;
    this.#e = new E(options, now());
    const s = JSON.parse(this.#e.settingsJson());
    this.#config = s;
    this.#maxKeyLength = s.maxKeyLength;
    this.#maxBytes = s.maxBytes;
    this.#defaultTtl = s.defaultTtl;
    this.#timed = s.defaultTtl > 0;
    if (s.enableTelemetry) this.#startTelemetry(s);
  }

  #startTelemetry(s) {
    if (s.metricsCollection && s.latencySampleRate > 0) {
      this.#sampleEvery = Math.max(1, Math.round(1 / s.latencySampleRate));
      this.#countdown = this.#sampleEvery;
    }
    if (s.telemetryChannel !== null && typeof globalThis.BroadcastChannel === "function") {
      this.#channel = new globalThis.BroadcastChannel(s.telemetryChannel);
      if (typeof this.#channel.unref === "function") this.#channel.unref();
    }
    const interval = s.telemetryInterval * 1000;
    this.#timers.push(every(Math.min(TICK_MS, interval), this, (c) => c.#tick()));
    this.#timers.push(every(interval, this, (c) => c.#emit()));
  }

  #tick() {
    this.#e.tick(now());
  }

  #bad(err) {
    this.#e.recordError("bad_input");
    return err;
  }

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

  #now() {
    return this.#timed ? now() : 0;
  }

  #release(pending) {
    if (pending === 0) return;
    const keys = this.#keys;
    const vals = this.#vals;
    for (const s of this.#e.takeFreed()) {
      keys[s] = undefined;
      vals[s] = undefined;
    }
  }

  // The slot holding `key` without touching recency or counts, or NIL.
  #find(key, h, now) {
    const e = this.#e;
    const keys = this.#keys;
    let s = e.peek(h, now);
    while (s !== NIL && keys[s] !== key) s = e.peekNext(s, now);
    return s;
  }

  /** The value for `key`, or undefined on a miss or expiry. Refreshes recency. */
  get(key) {
    if (--this.#countdown === 0) return this.#timedGet(key);
    if (typeof key !== "string" || key.length > this.#maxKeyLength) key = this.#key(key, "get");
    const e = this.#e;
    const t = this.#timed ? now() : 0;
    const h = hashKey(key);
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
    this.#countdown = this.#sampleEvery + 1;
    const t0 = clock();
    const v = this.get(key);
    this.#e.recordLatency(OP_GET, clock() - t0);
    return v;
  }

  /** Like get, without touching recency or stats. */
  peek(key) {
    key = this.#key(key, "peek");
    const s = this.#find(key, hashKey(key), this.#now());
    return s === NIL ? undefined : this.#vals[s];
  }

  /** Whether a live entry for `key` exists; does not touch recency or stats. */
  has(key) {
    key = this.#key(key, "has");
    return this.#find(key, hashKey(key), this.#now()) !== NIL;
  }

  /** Stores `value` under `key`; `options.ttl` in ms (0 = none), `options.size` in bytes. */
  set(key, value, options) {
    if (--this.#countdown === 0) {
      this.#countdown = this.#sampleEvery;
      const t0 = clock();
      this.#set(key, value, options);
      this.#e.recordLatency(OP_SET, clock() - t0);
      return this;
    }
    return this.#set(key, value, options);
  }

  #set(key, value, options) {
    if (typeof key !== "string" || key.length > this.#maxKeyLength) key = this.#key(key, "set");
    if (value === undefined) {
      throw this.#bad(new TypeError("cache-wasm: set value is undefined, which cannot be stored; store null, or call delete(key)"));
    }
    let ttl = this.#defaultTtl;
    let size;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") {
        throw this.#bad(new TypeError(`cache-wasm: set options must be an object { ttl, size }, got ${describe(options)}`));
      }
      try {
        if (options.ttl !== undefined) ttl = checkTtl(options.ttl, "set");
        if (options.size !== undefined) size = checkSize(options.size, "set");
      } catch (err) {
        throw this.#bad(err);
      }
    }
    if (size === undefined) size = Math.min(estimateSize(value), MAX_SIZE);
    if (this.#maxBytes > 0 && size > this.#maxBytes) {
      throw this.#bad(new RangeError(`cache-wasm: set size ${size} bytes exceeds maxBytes ${this.#maxBytes}; the entry could never fit`));
    }
    if (ttl > 0) this.#timed = true;
    const t = this.#timed ? now() : 0;
    const e = this.#e;
    const h = key === this.#missKey ? this.#missHash : hashKey(key);
    // One call stores a new key; a negative answer is a candidate slot to check first.
    let r = e.set(h, size, ttl, t);
    if (r < 0) {
      const keys = this.#keys;
      let s = -r - 1;
      while (s !== NIL && keys[s] !== key) s = e.peekNext(s, t);
      if (s !== NIL) {
        const pending = e.update(s, size, ttl, t);
        if (pending !== pending) throw new Error("cache-wasm: internal error: update was refused");
        this.#vals[s] = value;
        this.#release(pending);
        return this;
      }
      r = e.insert(h, size, ttl, t);
    }
    if (r !== r) throw new Error("cache-wasm: internal error: insert was refused");
    const s = r >>> 0;
    this.#keys[s] = key;
    this.#vals[s] = value;
    if (r >= TWO_32) this.#release(1);
    return this;
  }

  /** Removes `key`; true when it was there. */
  delete(key) {
    if (--this.#countdown === 0) {
      this.#countdown = this.#sampleEvery;
      const t0 = clock();
      const found = this.#delete(key);
      this.#e.recordLatency(OP_DELETE, clock() - t0);
      return found;
    }
    return this.#delete(key);
  }

  #delete(key) {
    key = this.#key(key, "delete");
    const s = this.#find(key, hashKey(key), this.#now());
    this.#release(this.#e.delete(s));
    return s !== NIL;
  }

  /** Removes every entry. */
  clear() {
    this.#e.clear();
    this.#missKey = undefined;
    this.#keys = [];
    this.#vals = [];
  }

  /** Live entries. */
  get size() {
    const n = this.#e.size(this.#now());
    this.#release(1);
    return n;
  }

  /** Accounted bytes of the live entries. */
  get bytes() {
    const n = this.#e.bytes(this.#now());
    this.#release(1);
    return n;
  }

  /** Live keys, most recently used first. */
  keys() {
    const slots = this.#e.slots(this.#now());
    this.#release(1);
    const keys = this.#keys;
    const out = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) out[i] = keys[slots[i]];
    return out;
  }

  /** Stats for `period`: "all" (default), "minute", "hour" or "day". */
  getStats(period = "all") {
    if (period !== null && typeof period === "object") period = period.period ?? "all";
    if (typeof period !== "string") {
      throw this.#bad(new RangeError(`cache-wasm: getStats period must be "all", "minute", "hour" or "day", got ${describe(period)}`));
    }
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
    const html = this.#e.report(now());
    this.#release(1);
    return html;
  }

  /** Calls `callback(frame)` with every metric frame; returns a function that unsubscribes. */
  onMetrics(callback) {
    if (typeof callback !== "function") {
      throw this.#bad(new TypeError(`cache-wasm: onMetrics takes a function, got ${describe(callback)}`));
    }
    return subscribe(this.#subscribers, callback);
  }

  /** Calls `handler(alertType, details)` on every alert transition; returns an unregister function. */
  registerAlertHandler(handler) {
    if (typeof handler !== "function") {
      throw this.#bad(new TypeError(`cache-wasm: registerAlertHandler takes a function, got ${describe(handler)}`));
    }
    return subscribe(this.#alertHandlers, handler);
  }

  /** Builds a frame now, delivers it and runs the alert rules; resolves to the frame. */
  flushTelemetry() {
    if (!this.#config.enableTelemetry) {
      return Promise.reject(new TypeError("cache-wasm: flushTelemetry needs `enableTelemetry: true`"));
    }
    return Promise.resolve(this.#emit());
  }

  /** Stops the telemetry timers and closes the telemetry channel. */
  close() {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#channel !== null) {
      this.#channel.close();
      this.#channel = null;
    }
  }

  // Builds one frame and hands it to subscribers, the channel and the alert handlers. Each
  // callback runs on its own: a throw is counted and the others still run; a callback may
  // call back into the cache, since no engine call is in progress while it runs.
  #emit() {
    const frame = JSON.parse(this.#e.frame(now(), INSTANCE));
    for (const cb of this.#subscribers.slice()) {
      try {
        cb(frame);
      } catch {
        this.#e.recordError("subscriber");
      }
    }
    if (this.#channel !== null) {
      try {
        this.#channel.postMessage(frame);
      } catch {
        this.#e.recordError("subscriber");
      }
    }
    for (const event of frame.alerts) {
      const { type, ...details } = event;
      for (const h of this.#alertHandlers.slice()) {
        try {
          h(type, { ...details });
        } catch {
          this.#e.recordError("alert_handler");
        }
      }
    }
    return frame;
  }

  /** The validated settings, camelCase. */
  get config() {
    return { ...this.#config };
  }

  /** Stops telemetry and releases the wasm memory of this cache; it cannot be used afterwards. */
  free() {
    this.close();
    this.#e.free();
    this.#keys = [];
    this.#vals = [];
  }
}
