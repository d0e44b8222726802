// Where the time of one throughput row goes, for one implementation, sampled with Linux perf.
//
// The row runs in a child process under `perf record`, with V8 writing the code it compiles to
// a jitdump that `perf inject --jit` joins to the samples. The report lists the functions
// (JS, WebAssembly and V8's built-ins) by their share of the samples, and then, for the
// hottest JS functions of the implementation, the source lines their samples fall on, inlined
// code included. A line whose share is large is usually a load from memory the CPU had to
// wait for: the samples land on the first instruction that needs the loaded value, which V8's
// line table may place on a neighbouring line. V8 gives code inlined from another file its line
// but the caller's file, so such a line is listed under the caller's file at its own number.
//
// Usage: node bench/profile.mjs [--only "<row>"] [--impl cache-wasm] [--rounds 20]
//                               [--ops 400000] [--top 15] [--lines 8]
// Needs `perf` (Debian: linux-perf) and /proc/sys/kernel/perf_event_paranoid at 2 or lower.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeRows } from "./peers.mjs";
import { timeRow } from "./stats.mjs";
import { CAPACITY, HEADLINE, UNIVERSE } from "./workloads.mjs";
import { arg } from "./cli.mjs";

const ONLY = arg("--only", HEADLINE);
const IMPL = arg("--impl", "cache-wasm");
const ROUNDS = Number(arg("--rounds", 20));
const OPS = Number(arg("--ops", 400_000));
const TOP = Number(arg("--top", 15));
const LINES = Number(arg("--lines", 8));
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WASM = join(ROOT, "cache-wasm/pkg/cache_wasm_bg.wasm");
// The module's function names, which the build keeps beside it (scripts/wasm-names.mjs).
const NAMES = join(ROOT, "target/cache_wasm_bg.names.json");

// The row named `name` and its implementation called `impl`, or an Error saying what exists.
function pick(name, impl) {
  const rows = nodeRows(OPS, UNIVERSE);
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`profile: no row "${name}"; the rows are:\n  ${rows.map((r) => r.name).join("\n  ")}`);
  const found = row.impls.find((i) => i.name === impl);
  if (!found) throw new Error(`profile: row "${name}" has no "${impl}"; it has: ${row.impls.map((i) => i.name).join(", ")}`);
  return { row, impl: found };
}

// The child: the row's loop for one implementation, an untimed round and then `ROUNDS`; writes
// the median nanoseconds an operation to `out`.
function child(out) {
  const { row, impl } = pick(ONLY, IMPL);
  const { samples } = timeRow(row, [impl], { capacity: CAPACITY, rounds: ROUNDS, ops: OPS });
  const ns = samples[impl.name].map((opsPerSec) => 1e9 / opsPerSec).sort((a, b) => a - b);
  writeFileSync(out, JSON.stringify({ nsPerOp: ns[ns.length >> 1] }));
}

// Names for the module's functions by index (without the hash Rust adds to each): those the
// build kept, when they are of this very module; else none, and the report says so.
function wasmNames() {
  const bytes = readFileSync(WASM);
  try {
    const kept = JSON.parse(readFileSync(NAMES, "utf8"));
    if (kept.sha256 === createHash("sha256").update(bytes).digest("hex")) {
      return new Map(Object.entries(kept.functions).map(([i, name]) => [Number(i), name.replace(/::h[0-9a-f]{16}$/, "")]));
    }
  } catch {
    // No names kept: a package built by other means than scripts/build-pkg.sh.
  }
  return null;
}

// A symbol as perf names it, made readable: JS functions with their file relative to the
// repository (`*` optimized, `~` interpreted), WebAssembly functions by name where known.
function readable(sym, names) {
  const wasm = /^JS:wasm-function\[(\d+)\]/.exec(sym);
  if (wasm) {
    const name = names?.get(Number(wasm[1]));
    return name ? `${name}  (wasm)` : `wasm function ${wasm[1]}`;
  }
  const js = /^JS:([*~^]?)(\S*) (\S+)$/.exec(sym);
  if (js) {
    const [, tier, fn, where] = js;
    const place = where.startsWith("file://") ? relative(ROOT, fileURLToPath(where.replace(/:\d+:\d+$/, ""))) : "loop";
    return `${fn || "(anonymous)"}${tier === "*" ? "" : " [not optimized]"}  ${place}`;
  }
  return sym;
}

// What `perf args…` prints on its standard output.
function perfOutput(args) {
  return execFileSync("perf", args, { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "ignore"] });
}

// perf's per-symbol shares, merged over the code objects V8 made for one function.
function symbolShares(data) {
  const out = perfOutput(["report", "-i", data, "--stdio", "--no-children", "--fields", "overhead,sym", "--percent-limit", "0.2"]);
  const shares = new Map();
  for (const line of out.split("\n")) {
    const m = /^\s+([\d.]+)%\s+\[[.k]\]\s+(.*?)\s*$/.exec(line);
    if (m) shares.set(m[2], (shares.get(m[2]) ?? 0) + Number(m[1]));
  }
  return [...shares].sort((a, b) => b[1] - a[1]);
}

// The samples of the JS function `sym`, by the source line (file:line) they fall on.
function lineSamples(data, sym) {
  const out = perfOutput(["annotate", "-i", data, "--stdio", "-s", sym]);
  const byLine = new Map();
  let total = 0;
  let samples = 0;
  let where = null;
  for (const line of out.split("\n")) {
    const head = /\((\d+) samples, percent: local period\)/.exec(line);
    if (head) {
      samples = Number(head[1]);
      where = null;
      continue;
    }
    const marker = /^\s+:\s+\d+\s+(file:\/\/\S+:\d+|<unknown>:\d+)\s*$/.exec(line);
    if (marker) {
      where = marker[1];
      continue;
    }
    const ins = /^\s+([\d.]+)\s+:\s+[0-9a-f]+:/.exec(line);
    if (ins && where !== null) {
      const n = (Number(ins[1]) * samples) / 100;
      byLine.set(where, (byLine.get(where) ?? 0) + n);
      total += n;
    }
  }
  return { byLine: [...byLine].sort((a, b) => b[1] - a[1]), total };
}

// The text of source line `where` (file:line), trimmed. The loop's lines have no file: it is
// compiled from `loopSource` by `new Function`, whose own first two lines come before it.
function sourceText(where, loopSource) {
  const m = /^(file:\/\/\S+):(\d+)$/.exec(where);
  if (!m) {
    // Code inlined into the loop from a file keeps its line but not always its file.
    const n = Number(where.split(":")[1]) - 2;
    const lines = loopSource.split("\n");
    if (n < 1 || n > lines.length) return { place: `line ${n + 2} of inlined code, file not recorded`, text: "" };
    return { place: `loop, line ${n}`, text: lines[n - 1].trim() };
  }
  const file = fileURLToPath(m[1]);
  const text = (readFileSync(file, "utf8").split("\n")[Number(m[2]) - 1] ?? "").trim();
  // A minified file is one long line, which says nothing.
  return { place: `${relative(ROOT, file)}:${m[2]}`, text: text.length > 200 ? "(minified)" : text };
}

function main() {
  const { row } = pick(ONLY, IMPL);
  const perf = spawnSync("perf", ["--version"], { encoding: "utf8" });
  if (perf.status !== 0) throw new Error("profile: perf is not installed (Debian: apt-get install linux-perf)");
  const dir = mkdtempSync(join(tmpdir(), "cache-wasm-profile-"));
  try {
    const result = join(dir, "result.json");
    const data = join(dir, "perf.data");
    const childArgs = ["--only", ONLY, "--impl", IMPL, "--rounds", String(ROUNDS), "--ops", String(OPS), "--child", result];
    // V8 writes its jitdump into the working directory.
    const rec = spawnSync(
      "perf",
      ["record", "-k", "mono", "-F", "2999", "-o", data, "--", process.execPath, "--perf-prof", "--perf-prof-unwinding-info", fileURLToPath(import.meta.url), ...childArgs],
      { cwd: dir, encoding: "utf8" },
    );
    if (rec.status !== 0) throw new Error(`profile: perf record failed (is perf_event_paranoid above 2?):\n${rec.stderr}`);
    const jitted = join(dir, "perf.jit.data");
    execFileSync("perf", ["inject", "--jit", "-i", data, "-o", jitted], { cwd: dir, stdio: "ignore" });
    const { nsPerOp } = JSON.parse(readFileSync(result, "utf8"));
    const names = wasmNames();
    const shares = symbolShares(jitted);

    console.log(`${IMPL} on "${ONLY}": ${nsPerOp.toFixed(1)} ns an operation (median of ${ROUNDS} rounds of ${OPS})`);
    console.log(`Shares are of all the process's samples, the setup that makes the keys and values included.`);
    if (names === null) console.log("WebAssembly functions are unnamed: their names are kept by `make package`.");
    console.log("");
    console.log("| share | function |\n|---|---|");
    for (const [sym, pct] of shares.slice(0, TOP)) console.log(`| ${pct.toFixed(1)}% | ${readable(sym, names)} |`);

    // The implementation's own JS functions (and the loop they are inlined into), hottest first.
    const mine = shares.filter(([sym]) => /^JS:\*/.test(sym) && !/wasm-function|workloads\.mjs/.test(sym)).slice(0, 3);
    for (const [sym, pct] of mine) {
      const { byLine, total } = lineSamples(jitted, sym);
      if (total === 0) continue;
      console.log(`\n${readable(sym, names)}: ${pct.toFixed(1)}% of all samples, by source line`);
      console.log("| share of it | line | source |\n|---|---|---|");
      for (const [where, n] of byLine.slice(0, LINES)) {
        const { place, text } = sourceText(where, `return ${row.loop}`);
        console.log(`| ${((100 * n) / total).toFixed(1)}% | ${place} | ${text ? `\`${text.replaceAll("|", "\\|").slice(0, 90)}\`` : ""} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  const childOut = arg("--child", null);
  if (childOut !== null) child(childOut);
  else main();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
