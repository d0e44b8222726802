// The README's JavaScript examples run as written against the packed package, in Node.
//
// Each ```js block becomes an ES module of its own in a scratch project where the tarball is
// installed. A block that does not import cache-wasm itself gets the package's names imported,
// and one that uses `cache` without making it gets a cache made for it. A line that ends in
// `expr; // comment` whose comment is a JavaScript value (`// { name: "Ada" }`) checks that the
// expression gives that value. Blocks that need a browser, a Worker, placeholders or a port
// are skipped, each for a reason named below; the browser and Worker tests cover those.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT, scratchProject } from "../support/consumer.mjs";

const run = promisify(execFile);

// What keeps a block from running in Node on its own, by a marker in its text.
const SKIP = [
  [/\bdocument\./, "draws into a page (browser)"],
  [/^export default\b/m, "is a Worker (workerd)"],
  [/\bindexedDbLayer\(/, "uses IndexedDB (browser)"],
  [/\.listen\(/, "opens a port"],
  [/new CacheManager\(config\)/, "lists signatures with placeholders"],
];

const PREAMBLE_IMPORT =
  'import init, { CacheManager, CacheConfig, LayerError, LayerTimeoutError, kvLayer, wasmMemoryBytes } from "cache-wasm";\n' +
  'import assert from "node:assert/strict";\n';
const PREAMBLE_CACHE = 'const cache = new CacheManager({ name: "users", enableTelemetry: true });\n';

function blocks(markdown) {
  const out = [];
  let heading = "";
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,6}\s+(.*)$/.exec(lines[i]);
    if (h) heading = h[1];
    const fence = /^(\s*)```(\S*)\s*$/.exec(lines[i]);
    if (!fence) continue;
    if (fence[2] !== "js") {
      // Another language's block: passed over, so that its `#` lines are not taken for headings.
      for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++);
      continue;
    }
    const body = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i].slice(fence[1].length));
    out.push({ heading, line: i - body.length, code: body.join("\n") });
  }
  return out;
}

// The value a trailing comment stands for, or undefined when the comment is prose.
function commentValue(text) {
  try {
    const v = new Function(`"use strict"; return (${text});`)();
    return v === undefined ? undefined : { v };
  } catch {
    return undefined;
  }
}

// Turns `expr; // value` lines into checks of that value.
function withChecks(code) {
  return code
    .split("\n")
    .map((line) => {
      const m = /^(\s*)(.+?);\s+\/\/\s?(.+)$/.exec(line);
      if (!m || m[2].includes(";") || /^(const|let|var|await|import|return)\b/.test(m[2])) return line;
      const expected = commentValue(m[3]);
      if (expected === undefined) return line;
      return `${m[1]}assert.deepStrictEqual(${m[2]}, ${JSON.stringify(expected.v)}, ${JSON.stringify(`${m[2]} gives ${m[3]}`)});`;
    })
    .join("\n");
}

function prepare(code) {
  let out = withChecks(code);
  if (/^\s*const cache\b/m.test(code) === false && /\bcache\./.test(code)) out = PREAMBLE_CACHE + out + "\ncache.close();\n";
  else if (/\bconst cache\b/.test(code) && !/\bcache\.close\(\)/.test(code)) out += "\ncache.close();\n";
  if (!/from "cache-wasm"/.test(code)) out = PREAMBLE_IMPORT + out;
  else out = 'import assert from "node:assert/strict";\n' + out;
  return out;
}

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const all = blocks(readme);
const runnable = [];
for (const [n, b] of all.entries()) {
  const skip = SKIP.find(([re]) => re.test(b.code));
  if (skip) {
    test(`README "${b.heading}" (line ${b.line}) is skipped: it ${skip[1]}`, { skip: skip[1] }, () => {});
    continue;
  }
  runnable.push({ ...b, file: `block-${n}.mjs`, text: prepare(b.code) });
}

test("the README has Node examples to run", () => {
  assert.ok(runnable.length >= 5, `found ${runnable.length} runnable blocks of ${all.length}`);
  assert.ok(runnable.some((b) => /assert\.deepStrictEqual/.test(b.text)), "at least one shown value is checked");
});

let project;
function projectDir() {
  project ??= scratchProject("readme-examples", { files: Object.fromEntries(runnable.map((b) => [b.file, b.text])) });
  return project;
}

for (const b of runnable) {
  test(`README "${b.heading}" (line ${b.line}) runs and exits`, async () => {
    const dir = projectDir();
    try {
      await run(process.execPath, [b.file], { cwd: dir, timeout: 20_000, encoding: "utf8" });
    } catch (err) {
      assert.fail(`${b.file} failed (${err.killed ? "timed out" : `exit ${err.code}`}):\n${err.stderr}\n--- as run ---\n${b.text}`);
    }
  });
}
