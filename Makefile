# Thin wrappers over scripts/: setup, package, test, demo.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# npm's wasm-opt and the other Node tools come first; Debian's binaryen must never be used.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_RUNNER := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
NODE_TEST := node --test --test-reporter=spec
DEMO_PORT ?= 8080
EDGE_PORT ?= 8787

.PHONY: setup package test rust-check rust-test wasm-test-node wasm-test-browser \
	test-node test-export test-browser test-workerd test-edge demo edge clean

setup:
	bash scripts/setup.sh

package: setup
	bash scripts/build-pkg.sh

# -k runs every suite even when one fails; make still exits non-zero.
test: package
	$(MAKE) -k --no-print-directory rust-check rust-test wasm-test-node wasm-test-browser \
		test-node test-export test-browser test-workerd test-edge
	@echo "make test: all suites passed"

rust-check:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

rust-test:
	cargo test --workspace

wasm-test-node:
	$(WASM_RUNNER) cargo test -p cache-wasm --target wasm32-unknown-unknown --test '*'

wasm-test-browser:
	$(WASM_RUNNER) WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
		cargo test -p cache-wasm --target wasm32-unknown-unknown --test '*'

test-node:
	$(NODE_TEST) tests/node/*.test.mjs

# Export against real servers (promtool, Pushgateway, the StatsD daemon, HTTP receivers),
# each started on a free loopback port by the tests and stopped by them.
test-export:
	$(NODE_TEST) tests/export/*.test.mjs

test-browser:
	$(NODE_TEST) tests/browser/*.test.mjs

test-workerd:
	$(NODE_TEST) tests/workerd/*.test.mjs

# The edge example under workerd, scraped by a real Prometheus and watched by the live dashboard.
test-edge:
	$(NODE_TEST) tests/edge/*.test.mjs

demo: package
	node scripts/serve.mjs --port $(DEMO_PORT) /=www /pkg/=cache-wasm/pkg

# The edge example (www/edge): the caching Worker under workerd on 127.0.0.1:$(EDGE_PORT), in front
# of a demo origin, or of UPSTREAM_URL when it is set.
edge: package
	node www/edge/serve.mjs --port $(EDGE_PORT)

clean:
	rm -rf cache-wasm/pkg tests/.artifacts

# Benchmarks beside the peers; writes BENCHMARKS.md.
.PHONY: bench
bench: package
	node bench/report.mjs
