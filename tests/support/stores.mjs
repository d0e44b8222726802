// Keyv-style stores for the layer tests: a Map-backed store, and a wrapper that injects faults.

/** A keyv-style store over a Map; `records` is open for inspection. */
export class MapStore {
  constructor() {
    this.records = new Map();
    this.calls = 0;
  }
  async get(key) {
    this.calls++;
    return structuredClone(this.records.get(key));
  }
  async set(key, value) {
    this.calls++;
    this.records.set(key, structuredClone(value));
    return true;
  }
  async delete(key) {
    this.calls++;
    return this.records.delete(key);
  }
}

/** A deterministic PRNG (xorshift32) for fault schedules. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export const FAULT_KINDS = ["reject", "throw", "timeout", "quota", "corrupt", "unavailable"];

class QuotaExceededError extends Error {
  constructor() {
    super("the quota has been exceeded");
    this.name = "QuotaExceededError";
  }
}

/**
 * Wraps a MapStore: each call draws from `random` and, with probability `rate`, suffers one
 * fault kind. `hangMs` is how long a "timeout" call takes before it settles (it then applies,
 * like a slow store whose answer arrives late). Calls also take 0–`jitterMs` ms, so calls
 * made in order may settle out of order. `log` counts the faults by kind and by key.
 */
export class FaultyStore {
  constructor(inner, { random, rate, hangMs, jitterMs = 2 }) {
    this.inner = inner;
    this.random = random;
    this.rate = rate;
    this.hangMs = hangMs;
    this.jitterMs = jitterMs;
    this.enabled = true;
    this.down = false;
    this.injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
    this.byKey = new Map();
    // When a hang of the key ends (it holds the key's queue in the cache until then).
    this.hungUntil = new Map();
    // When the key's record was last replaced by a corrupt one.
    this.corruptedAt = new Map();
  }

  #draw(op, key) {
    if (!this.enabled) return null;
    if (this.down) return "unavailable";
    if (this.random() >= this.rate) return null;
    const kinds = op === "get" ? FAULT_KINDS : FAULT_KINDS.filter((k) => k !== "corrupt");
    return kinds[Math.floor(this.random() * kinds.length)];
  }

  #count(kind, key) {
    this.injected[kind]++;
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
  }

  #delay(ms) {
    return new Promise((r) => setTimeout(r, ms));
  }

  get(key) {
    return this.#call("get", key, () => this.inner.get(key));
  }
  set(key, value, ttl) {
    return this.#call("set", key, () => this.inner.set(key, value, ttl));
  }
  delete(key) {
    return this.#call("delete", key, () => this.inner.delete(key));
  }

  #call(op, key, apply) {
    const kind = this.#draw(op, key);
    if (kind !== null) this.#count(kind, key);
    switch (kind) {
      case "throw":
        throw new Error(`injected: ${op} threw`);
      case "reject":
        return this.#delay(this.random() * this.jitterMs).then(() => Promise.reject(new Error(`injected: ${op} rejected`)));
      case "quota":
        return Promise.reject(new QuotaExceededError());
      case "unavailable":
        return Promise.reject(new Error("injected: the store is unavailable"));
      case "timeout":
        this.hungUntil.set(key, Date.now() + this.hangMs + 5);
        return this.#delay(this.hangMs).then(apply);
      case "corrupt":
        this.corruptedAt.set(key, Date.now());
        // A record that is no envelope: what a foreign writer or a torn write leaves behind.
        return this.inner.set(key, this.random() < 0.5 ? "garbage" : { v: 1, exp: "soon" }).then(() => apply());
      default:
        return this.#delay(this.random() * this.jitterMs).then(apply);
    }
  }

  injectedTotal() {
    return Object.values(this.injected).reduce((a, b) => a + b, 0);
  }
}
