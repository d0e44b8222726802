// The async path of a CacheManager: reads that walk the layers below memory, write-through,
// deletes everywhere and read-through loads. The engine decides (expiry, promotion, which
// reads may still store what they found, which fetches share a load); this file does the I/O.
//
// Every layer call for one key goes through that key's queue in that layer, so calls reach a
// store in the order they were made, and a call that timed out holds the queue until the store
// settles it: a late write can never land after a newer one. Writes and deletes are always sent,
// even after their caller stopped waiting; only a read that timed out while queued is dropped.

const OP_SET = 1;
const OP_DELETE = 2;

// What walkObserve answers besides a remaining TTL.
const EXPIRED = -2;
const CORRUPT = -3;

// What a layer answer is, for walkObserve.
const ABSENT = 0;
const ENVELOPE = 1;
const NOT_ENVELOPE = 2;
const FAILED = 3;

// Lone surrogates, and U+FFFF, which marks an escaped key.
const LONE_OR_MARK = /\uffff|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_SURROGATE = /[\ud800-\udfff]/;

/**
 * The form of a key under which the engine tracks its async work. The engine holds keys as
 * UTF-8, where every lone surrogate would become U+FFFD and two keys could share a form. A key
 * with a lone surrogate, or starting with U+FFFF, is written as U+FFFF followed by the key with
 * each U+FFFF and lone surrogate replaced by U+FFFF and its four hex digits; any other key is
 * its own form. So each key has one form, and no two keys share one.
 */
export function engineKey(k) {
  if (k.charCodeAt(0) !== 0xffff && !HAS_SURROGATE.test(k)) return k;
  const escaped = k.replace(LONE_OR_MARK, (c) => "\uffff" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  return escaped === k && k.charCodeAt(0) !== 0xffff ? k : "\uffff" + escaped;
}

// The engine keeps a copy of the key of each read, write and load in flight, in the form
// `engineKey` gives. Their lengths together are held under this bound (at most 3 bytes of UTF-8
// a character, so 192 MiB), so that no number of them can exhaust WebAssembly memory, which
// would trap: past it an operation rejects.
const MAX_HELD_CHARS = 1 << 26;

const now = () => Date.now();
const clock = globalThis.performance?.now ? () => globalThis.performance.now() : now;

/** A write or delete that one or more layers refused; `layers` names them, `causes` says why. */
export class LayerError extends Error {
  constructor(op, key, failures) {
    const names = failures.map((f) => f.layer);
    const why = failures.map((f) => `${JSON.stringify(f.layer)}: ${describeError(f.error)}`).join("; ");
    const shown = key.length > 40 ? key.slice(0, 40) + "…" : key;
    super(`cache-wasm: ${op} of key ${JSON.stringify(shown)} was refused by layer${names.length > 1 ? "s" : ""} ${why}`, {
      cause: failures[0]?.error,
    });
    this.name = "LayerError";
    this.op = op;
    this.layer = names[0];
    this.layers = names;
    this.causes = failures.map((f) => f.error);
  }
}

/** A layer call that did not settle within the layer's `timeoutMs`. */
export class LayerTimeoutError extends Error {
  constructor(layer, op, ms) {
    super(`cache-wasm: layer ${JSON.stringify(layer)} did not answer ${op} within ${ms} ms`);
    this.name = "LayerTimeoutError";
    this.layer = layer;
  }
}

// Never throws: a store may reject with anything, even a value String() cannot convert.
function describeError(err) {
  try {
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return String(err);
  } catch {
    try {
      return Object.prototype.toString.call(err);
    } catch {
      return "a value that cannot be shown";
    }
  }
}

function queueId(i, key) {
  return `${i}\u0000${key}`;
}

// The largest accounted size of an entry, 2^32 − 1 bytes.
export const MAX_SIZE = 4294967295;

/** Whether `n` is an accounted size: a whole number of bytes from 0 to `MAX_SIZE`. */
export function isSize(n) {
  return typeof n === "number" && n >= 0 && n <= MAX_SIZE && n === Math.floor(n);
}

// The value, expiry and given size of a record when it is an envelope as writeThrough makes
// one: `v` is not undefined and `exp` is a finite number, 0 or more. Else null, also when
// reading the record throws (a getter or a revoked Proxy). `size` is the accounted size the
// value was written with, when one was given: a whole number of bytes up to 2^32 − 1, else
// undefined (a record without one, or with one that is not such a number, is estimated).
function readEnvelope(x) {
  if (typeof x !== "object" || x === null) return null;
  try {
    if (Array.isArray(x)) return null;
    const v = x.v;
    const exp = x.exp;
    if (v === undefined || typeof exp !== "number" || !Number.isFinite(exp) || exp < 0) return null;
    const size = x.size;
    return { v, exp, size: isSize(size) ? size : undefined };
  } catch {
    return null;
  }
}

// The record a layer stores: the value, its absolute expiry and, when one was given, its size.
function envelopeOf(value, exp, size) {
  return size === undefined ? { v: value, exp } : { v: value, exp, size };
}

/** The layers of one cache. `memory` gives the cache's synchronous path. */
export class Tiers {
  #e;
  #layers;
  #timeouts;
  #memory;
  #queues = new Map();
  // Per layer and key: the serial of the last write or delete queued, and how many refused-write
  // checks still need it.
  #writes = new Map();
  #serial = 0;
  #flights = new Map();
  #busy = 0;
  #heldChars = 0;

  /**
   * @param engine the cache's Engine
   * @param layers the validated `[{ name, store }]`
   * @param memory `{ get(key), put(key, value, exp, size) }` over the memory layer
   */
  constructor(engine, layers, memory) {
    this.#e = engine;
    this.#layers = layers.map((l) => ({ name: l.name, store: l.store }));
    this.#timeouts = Array.from(engine.layerTimeouts());
    this.#memory = memory;
  }

  // Counts the key (in the engine's form) of an operation the engine will hold until it ends;
  // refuses one past the bound.
  #hold(form) {
    const n = form.length;
    if (this.#heldChars + n > MAX_HELD_CHARS) {
      throw new RangeError(
        `cache-wasm: the keys of the layer operations in flight add up to over ${MAX_HELD_CHARS} characters; wait for some to settle before starting more`,
      );
    }
    this.#heldChars += n;
    return n;
  }

  /** Whether async work is in progress: synchronous writes must then tell the engine. */
  get busy() {
    return this.#busy !== 0;
  }

  get count() {
    return this.#layers.length;
  }

  /** Makes every later engine call, including those of work in progress, go to `engine`. */
  useEngine(engine) {
    this.#e = engine;
  }

  // Calls `fn(store)` for layer `i` (0-based) in the key's queue; resolves, never rejects, to
  // { ok, value | error, ms }. A timeout answers the caller; the queue waits for the store.
  // A read that timed out before it started is dropped; a write or delete is still sent.
  #call(i, key, op, fn) {
    const layer = this.#layers[i];
    const timeout = this.#timeouts[i];
    const id = queueId(i, key);
    const before = this.#queues.get(id) ?? Promise.resolve();
    const t0 = clock();
    let abandoned = false;
    const job = before.then(() => {
      if (abandoned && op === "get") return undefined; // Nobody waits for this read any more.
      let p;
      try {
        p = Promise.resolve(fn(layer.store));
      } catch (error) {
        p = Promise.reject(error);
      }
      return p.then(
        (value) => ({ ok: true, value, ms: clock() - t0 }),
        (error) => ({ ok: false, error, ms: clock() - t0 }),
      );
    });
    this.#queues.set(id, job);
    job.then(() => {
      if (this.#queues.get(id) === job) {
        this.#queues.delete(id);
        if (this.#writes.get(id)?.holds === 0) this.#writes.delete(id);
      }
    });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        abandoned = true;
        resolve({ ok: false, error: new LayerTimeoutError(layer.name, op, timeout), ms: clock() - t0 });
      }, timeout);
      job.then((r) => {
        clearTimeout(timer);
        if (r !== undefined) resolve(r);
      });
    });
  }

  // A timed set or delete in layer i (0-based), counted in the layer's figures. The answer's
  // `seq` is its place among the key's writes in that layer; with `hold`, that record is kept
  // until #release, so the caller can tell whether a newer write was queued after it.
  async #write(i, key, op, envelope, ttlMs, hold = false) {
    const id = queueId(i, key);
    let w = this.#writes.get(id);
    if (w === undefined) {
      w = { last: 0, holds: 0 };
      this.#writes.set(id, w);
    }
    const seq = ++this.#serial;
    w.last = seq;
    if (hold) w.holds++;
    const r =
      op === OP_SET
        ? await this.#call(i, key, "set", (s) => s.set(key, envelope, ttlMs))
        : await this.#call(i, key, "delete", (s) => s.delete(key));
    r.seq = seq;
    this.#e.layerOp(i + 1, op, r.ms, r.ok);
    return r;
  }

  // Whether the write `seq` is still the last one queued for `key` in layer i.
  #isLastWrite(i, key, seq) {
    return this.#writes.get(queueId(i, key))?.last === seq;
  }

  // Drops a hold taken by #write.
  #release(i, key) {
    const id = queueId(i, key);
    const w = this.#writes.get(id);
    if (w === undefined) return;
    w.holds--;
    if (w.holds === 0 && !this.#queues.has(id)) this.#writes.delete(id);
  }

  // Everything in flight settled: every queue empty. For tests and orderly shutdown.
  async settled() {
    while (this.#queues.size > 0) {
      await Promise.allSettled([...this.#queues.values()]);
    }
  }

  /**
   * Walks the layers for `key` (memory already missed). Resolves to { hit, value } as soon as
   * the walk ends. Promotes a hit into memory and the layers above it, and removes expired or
   * corrupt records, without waiting for those writes.
   */
  async walk(key) {
    const form = engineKey(key);
    const held = this.#hold(form);
    const id = this.#e.walkBegin(form);
    this.#busy++;
    let value;
    let size;
    let hit = false;
    const removals = [];
    let plan;
    try {
      for (let l = this.#e.walkNext(id); l !== 0; l = this.#e.walkNext(id)) {
        const r = await this.#call(l - 1, key, "get", (s) => s.get(key));
        let kind = FAILED;
        let found = null;
        if (r.ok) {
          if (r.value === undefined || r.value === null) kind = ABSENT;
          else {
            found = readEnvelope(r.value);
            kind = found === null ? NOT_ENVELOPE : ENVELOPE;
          }
        }
        const verdict = this.#e.walkObserve(id, kind, found === null ? 0 : found.exp, now(), r.ms);
        if (verdict >= 0) {
          hit = true;
          value = found.v;
          size = found.size;
        } else if (verdict === EXPIRED || verdict === CORRUPT) {
          removals.push(l - 1);
        }
      }
    } finally {
      this.#busy--;
      this.#heldChars -= held;
      plan = this.#e.walkEnd(id, now());
    }
    const writes = [];
    // Only while no write of the key began since the walk did: the records seen are still there.
    if (plan[0] === 1) {
      for (const i of removals) writes.push(this.#write(i, key, OP_DELETE));
    }
    if (plan.length === 4) {
      const exp = plan[2];
      const mask = plan[3];
      if (mask & 1) this.#memory.put(key, value, exp, size);
      const envelope = envelopeOf(value, exp, size);
      const ttl = exp === 0 ? undefined : Math.max(1, exp - now());
      for (let i = 0; i < this.#layers.length; i++) {
        if (mask & (1 << (i + 1))) writes.push(this.#write(i, key, OP_SET, envelope, ttl));
      }
    } else if (hit && plan[0] === 1 && plan.length === 1) {
      // The value expired while the walk ran.
      hit = false;
      value = undefined;
    }
    // Promotions and removals are best effort and go on in the background, in their queues'
    // order: a failure is counted, and the read answers without waiting (settled() waits).
    for (const w of writes) w.catch(() => {});
    return hit ? { hit: true, value } : { hit: false, value: undefined };
  }

  /**
   * Write-through: memory first (already validated and stored by the caller), then every layer.
   * `size` is the accounted size the caller gave, if any: it travels with the value, so that a
   * promotion back into memory accounts the same bytes.
   */
  async writeThrough(key, value, exp, size) {
    const envelope = envelopeOf(value, exp, size);
    const ttl = exp === 0 ? undefined : Math.max(1, exp - now());
    const failures = [];
    const undo = [];
    try {
      const results = await Promise.all(this.#layers.map((_, i) => this.#write(i, key, OP_SET, envelope, ttl, true)));
      results.forEach((r, i) => {
        if (r.ok) return;
        failures.push({ layer: this.#layers[i].name, error: r.error });
        // The refusing layer may still hold an older value: take it out, so that no layer
        // answers with something other than what the layers that took the write hold. A newer
        // write or delete queued in that layer since decides what it holds instead.
        if (this.#isLastWrite(i, key, r.seq)) undo.push(this.#write(i, key, OP_DELETE));
      });
    } finally {
      for (let i = 0; i < this.#layers.length; i++) this.#release(i, key);
    }
    if (failures.length > 0) {
      await Promise.all(undo);
      throw new LayerError("setAsync", key, failures);
    }
  }

  /** Deletes from every layer; rejects naming the layers that refused. */
  async deleteEverywhere(key) {
    const results = await Promise.all(this.#layers.map((_, i) => this.#write(i, key, OP_DELETE)));
    const failures = [];
    let found = false;
    results.forEach((r, i) => {
      if (!r.ok) failures.push({ layer: this.#layers[i].name, error: r.error });
      else if (r.value === true || (typeof r.value === "number" && r.value > 0)) found = true;
    });
    if (failures.length > 0) throw new LayerError("deleteAsync", key, failures);
    return found;
  }

  /** Runs `op` as a write of `key`: reads and loads that began earlier will not store what they found. */
  async asWrite(key, op) {
    const form = engineKey(key);
    const held = this.#hold(form);
    this.#e.writeBegin(form);
    this.#busy++;
    try {
      return await op();
    } finally {
      this.#busy--;
      this.#heldChars -= held;
      this.#e.asyncEnd(form);
    }
  }

  /**
   * Read-through: the layers, then one shared call of `load` per key; `store(value)` writes a
   * loaded value through when nothing wrote the key meanwhile.
   */
  fetch(key, load, store) {
    const form = engineKey(key);
    const held = this.#hold(form);
    const r = this.#e.fetchJoin(form);
    if (r < 0) {
      const flight = this.#flights.get(key);
      if (flight !== undefined && flight.id === -r) {
        // The load in flight holds the key already.
        this.#heldChars -= held;
        return flight.promise;
      }
    }
    const id = Math.abs(r);
    this.#busy++;
    let landed = false;
    const land = () => {
      if (landed) return false;
      landed = true;
      this.#heldChars -= held;
      return this.#e.fetchLand(form, id);
    };
    const promise = (async () => {
      try {
        const found = this.#layers.length > 0 ? await this.walk(key) : { hit: false };
        if (found.hit) {
          land();
          return found.value;
        }
        const value = await load();
        const fresh = land();
        if (value !== undefined && fresh) await store(value);
        return value;
      } finally {
        this.#busy--;
        if (this.#flights.get(key)?.id === id) this.#flights.delete(key);
        land();
      }
    })();
    this.#flights.set(key, { id, promise });
    return promise;
  }
}
