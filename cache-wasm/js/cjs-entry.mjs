// Source of the CommonJS entry (node.cjs), bundled at build time; instantiates on require.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as glue from "./cache_wasm.js";
import { bindEngine, bindUdp, CacheConfig, CacheManager } from "./cache.js";
import { udpSender } from "./udp.js";
import { indexedDbLayer } from "./layers/indexeddb.js";
import { kvLayer } from "./layers/kv.js";
import { LayerError, LayerTimeoutError } from "./tiers.js";

const wasm = glue.initSync({ module: readFileSync(join(__dirname, "cache_wasm_bg.wasm")) });
bindEngine(glue, wasm);
// StatsD over UDP is reachable from Node only.
bindUdp(udpSender);

/** Already instantiated on require; kept so that one import works in every runtime. */
export default function init() {
  return Promise.resolve();
}

/** Bytes of WebAssembly memory the module holds (it grows in 64 KiB pages and never shrinks). */
export function wasmMemoryBytes() {
  return wasm.memory.buffer.byteLength;
}

export { init, CacheConfig, CacheManager, LayerError, LayerTimeoutError, indexedDbLayer, kvLayer };
