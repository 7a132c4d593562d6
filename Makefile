# geobundle — every target installs what it needs, so a fresh clone works.
# `make help` lists them.

SHELL := /bin/bash
VERSION ?=
GEOBUNDLE := node bin/geobundle.js

# Node.js 24 (LTS) from the npm registry's `node` package, a dev dependency:
# once `make deps` has run, every `node`, `npx` and script here runs on it,
# whatever Node the machine has (Debian 12's is 18, this image's 20).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps system-deps test typecheck lint format demo serve build-release refresh-wikipedia bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 22

# Not `npm ci`: the registry mirror here lacks the other platforms' optional
# binaries (@duckdb/node-bindings-darwin-*, …), so `npm install` leaves them out
# of the lock and `npm ci` then refuses it as out of sync. `npm install --no-save`
# installs exactly the locked versions and never rewrites the lock.
node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-save --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json ## install npm dependencies (the versions in package-lock.json)

system-deps: ## install Debian packages the tests need (nginx, brotli module, chromium, varnish, GDAL)
	scripts/install-system-deps.sh test

typecheck: deps ## type-check all TypeScript
	npx tsc --noEmit

lint: deps ## check formatting and lint rules (Biome; biome.json), changing nothing
	npx biome ci .

format: deps ## format every file in place (Biome), the way `make lint` checks it
	npx biome check --write .

test: deps system-deps typecheck lint ## type-check, lint and run the whole test suite (unit, end-to-end, nginx, browser)
	npx vitest run

.PHONY: client
client: deps ## build the demo site (browser client library + its .d.ts + demo page) into dist/site/
	npm run build:site

refresh-wikipedia: deps ## fetch fresh Wikipedia facts + partisan lean into DuckDB (CLASS=congressional_districts; docs/wikipedia-refresh.md)
	$(GEOBUNDLE) refresh-wikipedia --class $(or $(CLASS),congressional_districts)

build-release: deps ## build releases/$(VERSION)/ from the DuckDB database (VERSION=v1.0.0; docs/release-format.md)
	@test -n "$(VERSION)" || { echo "usage: make build-release VERSION=v1.0.0" >&2; exit 2; }
	$(GEOBUNDLE) build-release $(VERSION)

# --- serving (nginx + API); see nginx/README.md -------------------------------
PORT ?= 8080
API_PORT ?= 32406
DEMO_VERSION ?= v1.0.0

serve: deps ## serve releases/ with real nginx + the API in the foreground (PORT=8080 API_PORT=32406)
	scripts/install-system-deps.sh serve
	$(GEOBUNDLE) serve --port $(PORT) --api-port $(API_PORT)

# Idempotent: the release is built only if releases/$(DEMO_VERSION) is absent,
# and made current only if no release is current yet.
demo: deps client ## build the client and the embedded default (us-atlas) as releases/v1.0.0 once, then serve both
	scripts/install-system-deps.sh serve
	@if [ -d releases/$(DEMO_VERSION) ]; then \
	  echo "reusing releases/$(DEMO_VERSION) (published releases never change)"; \
	else \
	  $(GEOBUNDLE) ingest us-atlas && $(GEOBUNDLE) build-release $(DEMO_VERSION); \
	fi
	@test -f releases/current.json || $(GEOBUNDLE) set-current $(DEMO_VERSION)
	$(GEOBUNDLE) serve --port $(PORT) --api-port $(API_PORT)

# --- benchmarks; see bench/README.md -----------------------------------------
bench: deps ## run the benchmarks (~15 min; BENCH_QUICK=1: every part but the peers on small sets, ~3 min) into bench/results/ + SUMMARY.md
	scripts/install-system-deps.sh bench
	npx tsx bench/run.ts
