// Throughput of cache-wasm beside its peers, interleaved round by round in one Node process.
//
// Every row runs in processes of its own: --forks N fresh processes per row (each interleaving
// every implementation, with its own untimed round), whose samples are pooled, as JMH forks a
// JVM. Which code V8 builds and where the heap puts things differ between processes by more
// than between rounds, and rows sharing a process change each other's figures: the code and
// heap one row leaves behind are where the next one runs.
//
// The headline row, on which the speed target is judged, may run in more processes than the
// others (--headline-forks), for a closer median.
//
// Each implementation runs its own copy of the row's loop, as an application's call site sees
// one cache class and V8 inlines that class's methods into it. One row, marked as such, runs
// one loop for every implementation instead.
//
// Usage: node bench/throughput.mjs [--forks 1] [--headline-forks N] [--rounds 7] [--ops 400000] [--only "<workload>"] [--json out.json]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeRows } from "./peers.mjs";
import { CAPACITY, HEADLINE, UNIVERSE } from "./workloads.mjs";
import { formatResults, pool, summarize, timeRow } from "./stats.mjs";
import { arg } from "./cli.mjs";

const ROUNDS = Number(arg("--rounds", 7));
const OPS = Number(arg("--ops", 400_000));
const FORKS = Number(arg("--forks", 1));
const HEADLINE_FORKS = Math.max(FORKS, Number(arg("--headline-forks", FORKS)));
// How many processes run the row named `name`.
const forksOf = (name) => (name === HEADLINE ? HEADLINE_FORKS : FORKS);
if (!(Number.isInteger(FORKS) && FORKS >= 1 && Number.isInteger(HEADLINE_FORKS))) {
  throw new Error("throughput: --forks and --headline-forks take a whole number of processes, 1 or more");
}
const only = arg("--only", null);
// A child process runs the row at this index of `nodeRows(OPS, UNIVERSE)` and writes its
// samples there.
const childRow = arg("--row", null);
const childOut = arg("--samples", null);

// Runs one row's rounds in this process (see `timeRow`), with the distinct keys its blind
// sets write.
function runRow(w) {
  return { ...timeRow(w, w.impls, { capacity: CAPACITY, rounds: ROUNDS, ops: OPS }), written: w.written?.() };
}

// Runs each selected row in `forksOf(row)` child processes, fork after fork, and pools each
// row's samples.
function runForks() {
  const all = nodeRows(OPS, UNIVERSE).map((w, i) => ({ name: w.name, i }));
  // --only picks the row of exactly that name, else every row whose name contains it.
  const exact = all.some((w) => w.name === only);
  const rows = all.filter((w) => !only || (exact ? w.name === only : w.name.includes(only)));
  const dir = mkdtempSync(join(tmpdir(), "cache-wasm-throughput-"));
  // Per row: every fork's samples, and for each sample the fork it came from.
  const pooled = rows.map(() => null);
  try {
    for (let f = 0; f < HEADLINE_FORKS; f++) {
      rows.forEach((row, r) => {
        if (f >= forksOf(row.name)) return;
        const file = join(dir, `row-${row.i}-fork-${f}.json`);
        const childArgs = ["--rounds", String(ROUNDS), "--ops", String(OPS), "--row", String(row.i), "--samples", file];
        execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], { stdio: "inherit" });
        pooled[r] = pool(pooled[r], JSON.parse(readFileSync(file, "utf8")), f);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return pooled;
}

if (childRow !== null) {
  const w = nodeRows(OPS, UNIVERSE)[Number(childRow)];
  if (!w || !childOut) throw new Error(`throughput: no row ${childRow}, or no --samples file`);
  writeFileSync(childOut, JSON.stringify(runRow(w)));
} else {
  const runs = runForks();
  const results = runs.map(summarize);
  const processes = HEADLINE_FORKS === FORKS ? `${FORKS}` : `${FORKS} processes, ${HEADLINE_FORKS} for the headline row,`;
  console.log(formatResults(results, `(${processes} × ${ROUNDS} rounds × ${OPS} ops, capacity ${CAPACITY} of ${UNIVERSE} keys)`));
  const out = arg("--json", null);
  if (out) {
    writeFileSync(out, JSON.stringify({ node: process.version, forks: FORKS, headline_forks: HEADLINE_FORKS, rounds: ROUNDS, ops: OPS, capacity: CAPACITY, results }, null, 2));
  }
}
