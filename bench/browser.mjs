// Throughput of cache-wasm beside its peers in Chromium: the rows of bench/browser-page.mjs,
// each in --forks N fresh browsers whose samples are pooled, as throughput.mjs pools its
// processes. The page is bundled with esbuild and served from 127.0.0.1.
//
// Usage: node bench/browser.mjs [--forks 1] [--rounds 7] [--ops 400000] [--json out.json]
import { createServer } from "node:http";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { launchBrowser } from "../tests/support/browser.mjs";
import { formatResults, pool, summarize } from "./stats.mjs";
import { arg } from "./cli.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(arg("--rounds", 7));
const OPS = Number(arg("--ops", 400_000));
const FORKS = Number(arg("--forks", 1));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
// What bundle() writes: everything the server serves.
const FILES = ["index.html", "page.js", "cache_wasm_bg.wasm"];

// The bundled page, with the module its glue fetches beside it.
async function bundle(dir) {
  await build({
    entryPoints: [join(HERE, "browser-page.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    outfile: join(dir, "page.js"),
    logLevel: "error",
  });
  copyFileSync(join(HERE, "..", "cache-wasm", "pkg", "cache_wasm_bg.wasm"), join(dir, "cache_wasm_bg.wasm"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>\n');
}

// Serves the files of `dir` on 127.0.0.1; resolves to the server once it listens.
function serve(dir) {
  const server = createServer((req, res) => {
    const name = new URL(req.url, "http://127.0.0.1").pathname.slice(1) || "index.html";
    if (!FILES.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(name)] }).end(readFileSync(join(dir, name)));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// Opens the page in a fresh browser, waits for its functions and returns what `fn(page)`
// resolves to, with the browser's version; an error the page throws fails the run.
async function inBrowser(url, fn) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(() => typeof globalThis.benchRow === "function");
    const result = await fn(page);
    if (errors.length > 0) throw new Error(`browser bench: the page failed: ${errors.join("; ")}`);
    return { result, version: browser.version() };
  } finally {
    await browser.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "cache-wasm-browser-bench-"));
let server = null;
try {
  await bundle(dir);
  server = await serve(dir);
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  const { result: names, version } = await inBrowser(url, (page) => page.evaluate(() => globalThis.benchRows()));
  const pooled = names.map(() => null);
  for (let f = 0; f < FORKS; f++) {
    for (let i = 0; i < names.length; i++) {
      const { result } = await inBrowser(url, (page) =>
        page.evaluate(([row, rounds, ops]) => globalThis.benchRow(row, rounds, ops), [i, ROUNDS, OPS]),
      );
      pooled[i] = pool(pooled[i], result, f);
    }
  }
  const results = pooled.map(summarize);
  console.log(`Chromium ${version}`);
  console.log(formatResults(results, `(${FORKS} × ${ROUNDS} rounds × ${OPS} ops in Chromium)`));
  const out = arg("--json", null);
  if (out) writeFileSync(out, JSON.stringify({ chromium: version, forks: FORKS, rounds: ROUNDS, ops: OPS, results }, null, 2));
} finally {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
}
