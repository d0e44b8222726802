# workerd config for the Worker tests: the Worker, the installed package's modules and its wasm,
# and a KV namespace binding served by a local KV backend Worker.
# The package is installed from the packed tarball into tests/.artifacts/workerd by the test.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .cacheWorker),
    (name = "kv", worker = .kvBackend),
  ],
  # The test overrides this address with --socket-addr http=127.0.0.1:<free port>.
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const cacheWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    # The package's workerd entry, under the name the Worker imports.
    (name = "cache-wasm", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/workerd.js"),
    (name = "cache.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/cache.js"),
    (name = "export.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/export.js"),
    (name = "cache_wasm.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/cache_wasm.js"),
    (name = "cache_wasm_bg.wasm", wasm = embed "../.artifacts/workerd/node_modules/cache-wasm/cache_wasm_bg.wasm"),
    (name = "tiers.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/tiers.js"),
    (name = "layers/kv.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/layers/kv.js"),
    (name = "layers/indexeddb.js", esModule = embed "../.artifacts/workerd/node_modules/cache-wasm/layers/indexeddb.js"),
  ],
  # workerd's own KV binding; its requests go to the backend below.
  bindings = [ (name = "CACHE_KV", kvNamespace = "kv") ],
  compatibilityDate = "2025-09-01",
);

const kvBackend :Workerd.Worker = (
  modules = [ (name = "kv-local.js", esModule = embed "../../www/edge/kv-local.js") ],
  bindings = [ (name = "FAIL_MARKER", text = "fail:") ],
  compatibilityDate = "2025-09-01",
);
