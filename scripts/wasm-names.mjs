// Takes the function names out of a WebAssembly module built with them (wasm-opt -g): writes
// them by function index to a JSON file beside the build, with the SHA-256 of the module left,
// and removes the name section from the module, which then ships without it. Profiles read the
// names (bench/profile.mjs): V8 names a module's functions only by index when it has none.
//
// Usage: node scripts/wasm-names.mjs <module.wasm> <names.json>
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const [modulePath, namesPath] = process.argv.slice(2);
if (!modulePath || !namesPath) {
  console.error("usage: node scripts/wasm-names.mjs <module.wasm> <names.json>");
  process.exit(2);
}
const bytes = readFileSync(modulePath);

// Reads an unsigned LEB128 at `at.p`, moving it past; a module cut short is an error, not a
// loop that never ends.
function leb(at) {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (at.p >= bytes.length) {
      console.error(`wasm-names: ${modulePath} ends inside a section`);
      process.exit(1);
    }
    const b = bytes[at.p++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return v;
    shift += 7;
  }
}

const utf8 = new TextDecoder();

function str(at) {
  const n = leb(at);
  const s = utf8.decode(bytes.subarray(at.p, at.p + n));
  at.p += n;
  return s;
}

const functions = {};
const kept = [bytes.subarray(0, 8)];
const at = { p: 8 };
while (at.p < bytes.length) {
  const start = at.p;
  const id = bytes[at.p++];
  const size = leb(at);
  const end = at.p + size;
  const isNames = id === 0 && str(at) === "name";
  if (isNames) {
    // Subsection 1 holds the function names: a vector of (index, name).
    while (at.p < end) {
      const sub = bytes[at.p++];
      const subEnd = leb(at) + at.p;
      if (sub === 1) {
        for (let n = leb(at); n > 0; n--) {
          const index = leb(at);
          functions[index] = str(at);
        }
      }
      at.p = subEnd;
    }
  } else {
    kept.push(bytes.subarray(start, end));
  }
  at.p = end;
}
const stripped = Buffer.concat(kept);
if (!WebAssembly.validate(stripped)) {
  console.error(`wasm-names: ${modulePath} does not validate without its name section`);
  process.exit(1);
}
writeFileSync(modulePath, stripped);
const sha256 = createHash("sha256").update(stripped).digest("hex");
writeFileSync(namesPath, JSON.stringify({ sha256, functions }) + "\n");
