// Summary statistics, the round order and the timing of a row, shared by the benchmark scripts
// in Node and in the browser page.

/** The median of `xs` (the mean of the two middle values for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs one untimed round and then `rounds` timed ones of `count` implementations, calling
 * `run(j, timed)` for each: forwards in even rounds, backwards in odd ones, so that no
 * implementation always runs right after the same other one.
 */
export function interleaved(count, rounds, run) {
  for (let round = -1; round < rounds; round++) {
    for (let k = 0; k < count; k++) run(round % 2 === 0 ? k : count - 1 - k, round >= 0);
  }
}

/**
 * A copy of the function `loop` for the implementation called `name`, with type feedback of
 * its own. V8 caches what `new Function` compiles by its source text, and copies made from the
 * same text would share one function and its feedback (from the second copy on), so that one
 * call site sees several caches' classes; the comment naming the implementation makes each
 * copy's text its own.
 */
export function loopCopy(loop, name) {
  return new Function(`return ${loop}\n// ${name.replace(/\s+/g, " ")}`)();
}

/**
 * Runs `row` (see `plainRows`) for `impls` in this process, as every runtime runs it: each
 * implementation through its own copy of the row's loop (one loop for all in a `shared` row),
 * with a fresh cache of `capacity` entries per round (two of half that in a `pair` row), one
 * untimed round first. Returns each implementation's rate in each timed round (ops/s) and its
 * hit rate over the row's gets.
 */
export function timeRow(row, impls, { capacity, rounds, ops }) {
  const args = row.args();
  const reads = row.reads ? row.reads() : ops;
  const loops = impls.map((impl) => (row.shared ? row.loop : loopCopy(row.loop, impl.name)));
  const samples = Object.fromEntries(impls.map((impl) => [impl.name, []]));
  const hitRates = {};
  interleaved(impls.length, rounds, (j, timed) => {
    const impl = impls[j];
    const caches = row.pair ? [impl.make(capacity / 2), impl.make(capacity / 2)] : [impl.make(capacity)];
    const t0 = performance.now();
    const hits = loops[j](row.pair ? caches : caches[0], ...args);
    const ms = performance.now() - t0;
    for (const cache of caches) {
      if (typeof cache.close === "function") cache.close();
      if (typeof cache.cancelTimer === "function") cache.cancelTimer();
      if (typeof cache.free === "function") cache.free();
    }
    if (!timed) return;
    samples[impl.name].push((ops / ms) * 1e3);
    hitRates[impl.name] = hits / reads;
  });
  return { workload: row.name, impls: impls.map((impl) => impl.name), samples, hitRates };
}

/**
 * Adds one fork's run of a row (`samples[impl]`: ops/s per round) to `pooled`, that row's runs
 * so far (null before the first), and returns it; `forkOf` records each round's fork.
 */
export function pool(pooled, run, fork) {
  const into = pooled ?? { ...run, samples: Object.fromEntries(run.impls.map((name) => [name, []])), forkOf: [] };
  for (const name of run.impls) into.samples[name].push(...run.samples[name]);
  into.forkOf.push(...run.samples[run.impls[0]].map(() => fork));
  return into;
}

/**
 * A row's figures from its pooled samples (`samples[impl]`: ops/s per round, `forkOf`: each
 * round's fork). Each round's rate is divided by lru-cache's in the same round (a round runs
 * every implementation once, within seconds), so a round where the whole machine was slow does
 * not move the ratio.
 */
export function summarize(run) {
  const base = run.samples["lru-cache"];
  const forkOf = run.forkOf;
  const forks = Math.max(...forkOf) + 1;
  const rows = run.impls.map((name) => {
    const s = run.samples[name];
    const med = median(s);
    const ratios = s.map((x, i) => x / base[i]);
    const forkMedians = Array.from({ length: forks }, (_, f) => median(ratios.filter((_, i) => forkOf[i] === f)));
    return {
      impl: name,
      ops_per_s: Math.round(med),
      ratio: median(ratios),
      ratio_min: Math.min(...ratios),
      ratio_max: Math.max(...ratios),
      fork_ratios: forkMedians,
      spread: (Math.max(...s) - Math.min(...s)) / med,
      hit_rate: run.hitRates[name],
    };
  });
  return { workload: run.workload, rows, keys_written: run.written ?? null };
}

/** The text table of summarized rows, `heading` above each. */
export function formatResults(results, heading) {
  const lines = [];
  for (const { workload, rows } of results) {
    lines.push(`\n${workload} ${heading}`);
    const width = Math.max(20, ...rows.map((r) => r.impl.length));
    lines.push(`  ${"implementation".padEnd(width)}  Mops/s   × lru-cache (rounds' range)  forks' medians   spread   hit rate`);
    for (const r of rows) {
      const range = `${r.ratio_min.toFixed(2)}–${r.ratio_max.toFixed(2)}`;
      const forks = r.fork_ratios.map((x) => x.toFixed(2)).join(" ");
      lines.push(
        `  ${r.impl.padEnd(width)} ${(r.ops_per_s / 1e6).toFixed(2).padStart(7)}   ${r.ratio.toFixed(2).padStart(9)}× ${range.padStart(11)}   ${forks.padStart(14)}   ${(r.spread * 100).toFixed(1).padStart(5)}%   ${(r.hit_rate * 100).toFixed(2)}%`,
      );
    }
  }
  return lines.join("\n");
}
