// Top-level functions of the packaged cache.js, taken from its source text: for the checks of
// its key hash and for the benchmark of what hashing a key costs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PKG_DIR } from "./consumer.mjs";

const CACHE_JS = join(PKG_DIR, "cache.js");

/**
 * The source of the top-level function `name` of `src`, up to the first closing brace at the
 * start of a line. Throws when `src` defines no such function.
 */
function functionSource(src, name) {
  const found = src.match(new RegExp(`^function ${name}\\([^)]*\\) \\{[\\s\\S]*?^\\}`, "m"));
  if (!found) throw new Error(`cache.js defines no function ${name}`);
  return found[0];
}

/**
 * A factory of the packaged `hashKey` and `hashInt` as functions of the seed: called as
 * `make(seed, draw)`, it returns `{ hashKey, hashInt }` hashing under `seed` (`draw` is called
 * for a seed of 0, as the package draws one).
 */
export function packagedHashes() {
  const src = readFileSync(CACHE_JS, "utf8");
  return new Function(
    "SEED",
    "seed",
    `${functionSource(src, "hashKey")}\n${functionSource(src, "hashInt")}\nreturn { hashKey, hashInt };`,
  );
}
