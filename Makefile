# Thin wrappers over scripts/: setup, package, test, demo.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
# npm's wasm-opt and the other Node tools come first; Debian's binaryen must never be used.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_RUNNER := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
NODE_TEST := node --test --test-reporter=spec
DEMO_PORT ?= 8080

.PHONY: setup package test rust-check rust-test wasm-test-node wasm-test-browser \
	test-node test-browser test-workerd demo clean

setup:
	bash scripts/setup.sh

package: setup
	bash scripts/build-pkg.sh

# -k runs every suite even when one fails; make still exits non-zero.
test: package
	$(MAKE) -k --no-print-directory rust-check rust-test wasm-test-node wasm-test-browser \
		test-node test-browser test-workerd
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

test-browser:
	$(NODE_TEST) tests/browser/*.test.mjs

test-workerd:
	$(NODE_TEST) tests/workerd/*.test.mjs

demo: package
	node scripts/serve.mjs --port $(DEMO_PORT) /=www /pkg/=cache-wasm/pkg

clean:
	rm -rf cache-wasm/pkg tests/.artifacts
