// Summary statistics and the round order shared by the benchmark scripts.

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
