# workerd config for the Worker test: the Worker, the installed package's modules and its wasm.
# The package is installed from the packed tarball into tests/.artifacts/workerd by the test.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .cacheWorker) ],
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
  ],
  compatibilityDate = "2025-09-01",
);
