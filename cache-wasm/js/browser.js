// Browser and bundler entry: `await init()` fetches and instantiates the wasm next to this file.
import glueInit, * as glue from "./cache_wasm.js";
import { bindEngine, CacheConfig, CacheManager } from "./cache.js";
import { indexedDbLayer } from "./layers/indexeddb.js";
import { kvLayer } from "./layers/kv.js";
import { LayerError, LayerTimeoutError } from "./tiers.js";

let ready = null;
let wasm = null;

/** Instantiates the module once; later calls return the same promise. */
export default function init(input) {
  if (ready === null) {
    const arg = input === undefined ? undefined : { module_or_path: input };
    ready = glueInit(arg).then(
      (exports) => {
        wasm = exports;
        bindEngine(glue, exports);
      },
      (err) => {
        ready = null;
        throw err;
      },
    );
  }
  return ready;
}

/** Bytes of WebAssembly memory the module holds (0 before `init()` resolves). */
export function wasmMemoryBytes() {
  return wasm === null ? 0 : wasm.memory.buffer.byteLength;
}

export { init, CacheConfig, CacheManager, LayerError, LayerTimeoutError, indexedDbLayer, kvLayer };
