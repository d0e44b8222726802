// The edge example (www/edge) under workerd, in front of an upstream whose base URL has a path
// (/api/): which URL the Worker asks for each request, which responses it stores and for how long,
// and what it answers when the upstream fails. A second local server stands in for an internal
// host that no request may reach through the Worker.
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import workerd from "workerd";
import { freePort, startProcess } from "../support/process.mjs";

const EDGE = fileURLToPath(new URL("../../www/edge", import.meta.url));
const TEST_TIMEOUT = 60_000;

let upstream;
let internal;
let worker;

/**
 * A local HTTP server that records each request's path and headers and answers with `respond`
 * (or, by default, a JSON body cacheable for 300 s that echoes the path it was asked for).
 */
function startServer(respond) {
  const seen = [];
  const routes = new Map();
  // Long paths are part of the tests: allow request lines well over Node's default 16 KiB.
  const server = createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    const route = routes.get(new URL(req.url, "http://server").pathname);
    if (route?.fail) {
      req.socket.destroy();
      return;
    }
    const n = seen.filter((s) => s.url === req.url).length;
    (route?.respond ?? respond)(req, res, n);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        port: server.address().port,
        seen,
        hits: (url) => seen.filter((s) => s.url === url).length,
        /** Answers `path` with `respond(req, res, n)`, or drops the connection with { fail: true }. */
        route: (path, route) => routes.set(path, typeof route === "function" ? { respond: route } : route),
        close() {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

function echo(req, res, n) {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "public, max-age=300" });
  res.end(JSON.stringify({ url: req.url, n }));
}

async function startWorker(upstreamUrl) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      const server = await startProcess(workerd.default, ["serve", "config.capnp", "--socket-addr", `http=127.0.0.1:${port}`], {
        cwd: EDGE,
        env: { UPSTREAM_URL: upstreamUrl, FRAME_INTERVAL_S: "1" },
        readyUrl: `http://127.0.0.1:${port}/metrics`,
      });
      return { ...server, port };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

before(async () => {
  upstream = await startServer(echo);
  internal = await startServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "cache-control": "public, max-age=300" });
    res.end("internal\n");
  });
  worker = await startWorker(`${upstream.url}/api/`);
});

after(async () => {
  await worker?.stop();
  upstream?.close();
  internal?.close();
});

/**
 * Sends one request to the Worker with `path` written as is on the request line (fetch() would
 * resolve a path such as //host/x against the Worker's own URL first). Resolves to
 * { status, headers, text, json() } or rejects if the connection fails.
 */
function send(path, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: worker.port, method, path, headers, timeout: 20_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${path.slice(0, 80)}: no answer within 20 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** The value of one sample of the Worker's /metrics, by name and labels. */
async function metric(name, labels) {
  const text = (await send("/metrics")).text;
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  assert.ok(line, `${name} ${JSON.stringify(labels)} in:\n${text}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("the upstream URL", () => {
  test("is the base URL's path joined with the request's path and query", { timeout: TEST_TIMEOUT }, async () => {
    const res = await send("/items/1?x=1");
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json(), { url: "/api/items/1?x=1", n: 1 });
    const post = await send("/items/1?x=2", { method: "POST", body: "{}" });
    assert.equal(post.status, 200, post.text);
    assert.equal(post.headers["x-cache"], "PASS");
    assert.deepEqual(post.json(), { url: "/api/items/1?x=2", n: 1 });
  });

  test("a path starting with // never reaches another host", { timeout: TEST_TIMEOUT }, async () => {
    const forged = `//127.0.0.1:${internal.port}/admin`;
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await send(forged, { method, body: method === "GET" ? undefined : "{}" });
      assert.notEqual(res.text, "internal\n", `${method} ${forged} answered from the internal host`);
      if (res.status === 200) assert.equal(res.json().url, `/api${forged}`, method);
    }
    const again = await send(forged);
    assert.notEqual(again.text, "internal\n", "the internal host's answer was cached");
    assert.deepEqual(internal.seen, [], "requests reached the internal host");
  });
});

describe("an upstream that fails", () => {
  test("answers 502 with x-cache ERROR to a GET and to a POST", { timeout: TEST_TIMEOUT }, async () => {
    upstream.route("/api/down", { fail: true });
    for (const method of ["GET", "POST"]) {
      const res = await send("/down", { method, body: method === "GET" ? undefined : "{}" });
      assert.equal(res.status, 502, `${method}: ${res.text}`);
      assert.equal(res.headers["x-cache"], "ERROR", method);
      assert.match(res.text, /^upstream failed: /, method);
    }
  });
});

describe("responses that vary", () => {
  /** Answers JSON or HTML by the request's Accept, cacheable for 300 s, with the given Vary. */
  const negotiated = (vary) => (req, res, n) => {
    const json = (req.headers.accept ?? "").includes("json");
    res.writeHead(200, { "content-type": json ? "application/json" : "text/html", "cache-control": "public, max-age=300", vary });
    res.end(json ? JSON.stringify({ n }) : `<p>${n}</p>`);
  };

  for (const vary of ["Accept", "*", "Accept-Encoding, accept"]) {
    test(`Vary: ${vary} is passed through, never stored`, { timeout: TEST_TIMEOUT }, async () => {
      const path = `/vary/${encodeURIComponent(vary)}`;
      upstream.route(`/api${path}`, negotiated(vary));
      const json = await send(path, { headers: { accept: "application/json" } });
      assert.equal(json.status, 200, json.text);
      assert.equal(json.headers["x-cache"], "PASS");
      assert.deepEqual(json.json(), { n: 1 });
      const html = await send(path, { headers: { accept: "text/html" } });
      assert.equal(html.status, 200, html.text);
      assert.equal(html.headers["x-cache"], "PASS");
      assert.equal(html.headers["content-type"], "text/html");
      assert.equal(html.text, "<p>2</p>");
      assert.equal(upstream.hits(`/api${path}`), 2);
    });
  }

  test("Vary on a header the Worker never forwards (Accept-Encoding) is stored", { timeout: TEST_TIMEOUT }, async () => {
    upstream.route("/api/vary-encoding", negotiated("Accept-Encoding"));
    const first = await send("/vary-encoding", { headers: { accept: "application/json" } });
    assert.equal(first.headers["x-cache"], "MISS", first.text);
    const second = await send("/vary-encoding", { headers: { accept: "application/json", "accept-encoding": "identity" } });
    assert.equal(second.headers["x-cache"], "HIT", second.text);
    assert.deepEqual(second.json(), { n: 1 });
    assert.equal(upstream.hits("/api/vary-encoding"), 1);
  });
});

describe("an upstream's Age", () => {
  const aged = (cacheControl, age) => (req, res, n) => {
    res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl, age });
    res.end(JSON.stringify({ n }));
  };

  test("is taken from max-age: the entry is stored for what is left, and the Age answered includes it", { timeout: TEST_TIMEOUT }, async () => {
    upstream.route("/api/aged", aged("public, max-age=10", "9"));
    const first = await send("/aged");
    assert.equal(first.headers["x-cache"], "MISS", first.text);
    assert.equal(first.headers.age, "9");
    const second = await send("/aged");
    assert.equal(second.headers["x-cache"], "HIT", second.text);
    assert.ok(Number(second.headers.age) >= 9, `age ${second.headers.age}`);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const third = await send("/aged");
    assert.equal(third.headers["x-cache"], "MISS", "stored for max-age minus Age, 1 s");
    assert.deepEqual(third.json(), { n: 2 });
  });

  test("at or past s-maxage, the response is passed through", { timeout: TEST_TIMEOUT }, async () => {
    upstream.route("/api/stale", aged("public, max-age=600, s-maxage=5", "5"));
    for (let n = 1; n <= 2; n++) {
      const res = await send("/stale");
      assert.equal(res.headers["x-cache"], "PASS", res.text);
      assert.deepEqual(res.json(), { n });
    }
  });
});

describe("cache keys", () => {
  test("a path longer than the cache's maxKeyLength is passed through to the upstream", { timeout: TEST_TIMEOUT }, async () => {
    const path = `/long/${"x".repeat(17_000)}`;
    for (let n = 1; n <= 2; n++) {
      const res = await send(path);
      assert.equal(res.status, 200, res.text.slice(0, 200));
      assert.equal(res.headers["x-cache"], "PASS");
      assert.deepEqual(res.json(), { url: `/api${path}`, n });
    }
  });

  test("a path too long for a KV key is stored in KV under its digest, without layer errors", { timeout: TEST_TIMEOUT }, async () => {
    const errors = await metric("cache_errors_total", { type: "layer" });
    const puts = await metric("cache_puts_total", {});
    const path = `/kv/${"y".repeat(600)}`;
    const first = await send(path);
    assert.equal(first.headers["x-cache"], "MISS", first.text);
    const second = await send(path);
    assert.equal(second.headers["x-cache"], "HIT", second.text);
    assert.deepEqual(second.json(), { url: `/api${path}`, n: 1 });
    assert.equal(await metric("cache_puts_total", {}), puts + 1);
    assert.equal(await metric("cache_errors_total", { type: "layer" }), errors, "KV refused the key");
  });

  test("query parameters in another order are the same entry", { timeout: TEST_TIMEOUT }, async () => {
    const first = await send("/query?b=2&a=1&a=0");
    assert.equal(first.headers["x-cache"], "MISS", first.text);
    const second = await send("/query?a=1&a=0&b=2");
    assert.equal(second.headers["x-cache"], "HIT", second.text);
    assert.deepEqual(second.json(), { url: "/api/query?a=1&a=0&b=2", n: 1 }, "the upstream is asked with the parameters sorted");
    const other = await send("/query?a=0&a=1&b=2");
    assert.equal(other.headers["x-cache"], "MISS", "a repeated parameter's values keep their order");
  });
});
