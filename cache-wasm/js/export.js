// Push transport of metric exports: a bounded queue, one send at a time, timeouts and capped retries.
//
// Encoding happens in the wasm core; this module only moves text. HTTP goes through `fetch`
// (every runtime has it). UDP needs a sender that only the Node entries provide (see
// `udp.js`), so this module never imports a Node built-in and loads in browsers and workerd.

/** Payloads waiting to be sent at most; older ones are dropped first. */
export const MAX_QUEUE = 8;
/** Retries of one payload after its first attempt fails. */
export const MAX_RETRIES = 2;
/** The first retry waits this long; each later one twice as long, up to `MAX_BACKOFF_MS`. */
const BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2000;
/** Largest StatsD datagram payload: one Ethernet MTU with IPv6 and UDP headers to spare. */
export const MAX_DATAGRAM = 1432;

const encoder = new TextEncoder();

/** Groups StatsD lines into datagrams of at most `max` bytes; a longer line travels alone. */
export function packLines(text, max = MAX_DATAGRAM) {
  const out = [];
  let current = "";
  let size = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const n = encoder.encode(line).length;
    if (current !== "" && size + 1 + n > max) {
      out.push(current);
      current = "";
      size = 0;
    }
    current = current === "" ? line : current + "\n" + line;
    size = current === line ? n : size + 1 + n;
  }
  if (current !== "") out.push(current);
  return out;
}

// A send answered with a redirect: given up at once, since a retry would be redirected too.
class RedirectError extends Error {}

// `location` resolved against `base`, or as written when it is no URL.
function resolveUrl(location, base) {
  try {
    return new URL(location, base).href;
  } catch {
    return JSON.stringify(location);
  }
}

// A timer that never keeps a Node process alive on its own.
function unrefTimer(t) {
  if (typeof t === "object" && t !== null && typeof t.unref === "function") t.unref();
  return t;
}

// `fetch` refuses URLs with credentials: move them into an Authorization header.
function splitCredentials(url) {
  const u = new URL(url);
  if (u.username === "" && u.password === "") return { url, authorization: null };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = "";
  u.password = "";
  const bytes = encoder.encode(`${user}:${pass}`);
  const authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  return { url: u.href, authorization };
}

/**
 * The URL and Authorization header (or null) that pushes to the HTTP target `url` are sent
 * with. Called when a cache is built, so that a URL this runtime cannot parse, or credentials
 * that do not decode, refuse it with a RangeError naming `telemetryExportEndpoint` (whose
 * value `endpoint` is).
 */
export function httpRequest(url, endpoint) {
  try {
    return splitCredentials(url);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new RangeError(
      `cache-wasm: option \`telemetryExportEndpoint\` must be a URL this runtime can parse, with a valid host and ` +
        `%XX escapes of UTF-8 text in its user name and password, got ${JSON.stringify(endpoint)} (${why})`,
      { cause: err },
    );
  }
}

/**
 * Sends export payloads to one target. `push(text)` never throws and returns a promise that
 * settles (never rejects) once the payload is delivered, has failed, was dropped or was
 * cancelled by `close()`. `onError()` is called once for every payload that is lost, never
 * after `close()`.
 */
export class Exporter {
  #target;
  #format;
  #timeoutMs;
  #onError;
  #udp = null;
  #auth = null;
  #url = null;
  #queue = [];
  #closed = false;
  #busy = false;
  #abort = null;
  #wake = null;
  #counts = { sent: 0, failed: 0, dropped: 0, superseded: 0, retries: 0, cancelled: 0 };
  #lastError = null;

  constructor({ target, format, timeoutMs, onError, udpSender }) {
    this.#target = target;
    this.#format = format;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
    if (target.transport === "udp") {
      this.#udp = udpSender(target.host, target.port);
    } else {
      // Made by httpRequest() when the target was checked.
      this.#url = target.request.url;
      this.#auth = target.request.authorization;
    }
  }

  /** Queues `text` for sending; see the class comment. */
  push(text) {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      // A Pushgateway keeps only the latest push of a group, so an unsent older one is moot.
      if (this.#format === "prometheus") {
        for (const old of this.#queue.splice(0)) {
          this.#counts.superseded++;
          old.resolve();
        }
      }
      while (this.#queue.length >= MAX_QUEUE) {
        const old = this.#queue.shift();
        this.#counts.dropped++;
        this.#lost("dropped: the queue was full");
        old.resolve();
      }
      this.#queue.push({ text, resolve });
      if (!this.#busy) this.#pump();
    });
  }

  /** Queue figures and counters, for monitoring the exporter itself. */
  status() {
    return {
      format: this.#format,
      transport: this.#target.transport,
      queued: this.#queue.length,
      maxQueue: MAX_QUEUE,
      inFlight: this.#busy,
      ...this.#counts,
      lastError: this.#lastError,
      closed: this.#closed,
    };
  }

  /** Stops for good: aborts the send in progress and drops what is queued. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    for (const item of this.#queue.splice(0)) {
      this.#counts.cancelled++;
      item.resolve();
    }
    this.#abort?.abort();
    this.#wake?.();
    if (this.#udp !== null) {
      try {
        this.#udp.close();
      } catch {
        // Already closed.
      }
    }
  }

  #lost(reason) {
    this.#lastError = reason;
    if (this.#closed) return;
    try {
      this.#onError(reason);
    } catch {
      // Counting must never break the exporter.
    }
  }

  async #pump() {
    this.#busy = true;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const item = this.#queue.shift();
        let done = false;
        let reason = "";
        for (let attempt = 0; attempt <= MAX_RETRIES && !this.#closed; attempt++) {
          if (attempt > 0) {
            await this.#sleep(Math.min(BACKOFF_MS * 2 ** (attempt - 1), MAX_BACKOFF_MS));
            // Counted once made: close() during the backoff leaves it unmade.
            if (this.#closed) break;
            this.#counts.retries++;
          }
          try {
            await this.#send(item.text);
            done = true;
            break;
          } catch (err) {
            reason = err instanceof Error ? err.message : String(err);
            // The same request would be redirected again.
            if (err instanceof RedirectError) break;
          }
        }
        if (done) {
          this.#counts.sent++;
        } else if (this.#closed) {
          this.#counts.cancelled++;
        } else {
          this.#counts.failed++;
          this.#lost(reason);
        }
        item.resolve();
      }
    } finally {
      this.#busy = false;
    }
  }

  // Kept referenced: a caller awaiting flushTelemetry() must see the retry through.
  #sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        this.#wake = null;
        resolve();
      };
    });
  }

  async #send(text) {
    if (this.#udp !== null) {
      await this.#udp.send(packLines(text));
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    const timer = unrefTimer(setTimeout(() => abort.abort(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs));
    try {
      const headers = { "content-type": this.#target.contentType };
      if (this.#auth !== null) headers.authorization = this.#auth;
      // Redirects are not followed: `fetch` would turn a POST answered 301 or 302 into a GET
      // without the payload, and count it delivered.
      const res = await fetch(this.#url, { method: this.#target.method, headers, body: text, signal: abort.signal, redirect: "manual" });
      // Read the body so that the connection can be reused or closed.
      await res.arrayBuffer();
      const sent = `${this.#target.method} ${this.#url}`;
      if (res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400)) {
        // Browsers hide a redirect's status and Location from a "manual" fetch.
        const answer = res.type === "opaqueredirect" ? "answered a redirect" : `answered ${res.status}`;
        const location = res.headers.get("location");
        const to = location === null ? "" : ` to ${resolveUrl(location, this.#url)}`;
        throw new RedirectError(`${sent} ${answer}${to}, which pushes do not follow: give telemetryExportEndpoint the URL it leads to`);
      }
      if (!res.ok) throw new Error(`${sent} answered ${res.status}`);
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error) throw abort.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      this.#abort = null;
    }
  }
}
