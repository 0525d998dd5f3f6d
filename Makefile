# The two commands of README: `make run` and `make test`. Each installs what is missing first.
# Tools go where cargo and npm put them (~/.cargo/bin, end2end/node_modules), never by hand.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
SERVER := $(TARGET_DIR)/release/server
# Release builds take wasm-opt 132 from npm's binaryen (Debian's 108 breaks hydration).
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

DATABASE_URL ?= sqlite://data/keydesk.db?mode=rwc
KEYDESK_ADDR ?= 127.0.0.1:3000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export TEST_DATABASE_URL
# The mail tests' SMTP server (aiosmtpd) lives in a virtual environment of its own.
TEST_PYTHON_ENV := $(TARGET_DIR)/test-python
AIOSMTPD_VERSION := 1.4.6

.PHONY: help run test build tools browser rust-tests e2e-tests test-python clean

help:
	@echo "make run    build and serve Keydesk on SQLite at http://$(KEYDESK_ADDR) (sample keys on a new database)"
	@echo "make test   every test: unit, store tests on SQLite and PostgreSQL, browser tests"

# The development database's first user: admin / keydesk-dev-password (README). A production
# start without KEYDESK_INITIAL_ADMIN_PASSWORD generates the password and prints it once.
DEV_ADMIN_PASSWORD := keydesk-dev-password

run: tools build
	$(SERVER) --database-url '$(DATABASE_URL)' demo-data
	KEYDESK_INITIAL_ADMIN_PASSWORD='$(DEV_ADMIN_PASSWORD)' LEPTOS_SITE_ROOT=target/site \
	  $(SERVER) --database-url '$(DATABASE_URL)' --addr '$(KEYDESK_ADDR)' serve

test: tools browser rust-tests build e2e-tests

rust-tests: test-python
	cargo test --locked -p app --features ssr
	KEYDESK_TEST_PYTHON='$(TEST_PYTHON_ENV)/bin/python' cargo test --locked -p server

# --split: the panels' code goes to its own wasm file, loaded when a panel opens (#[lazy]).
build: tools
	cargo leptos build --release --split
	@# Precompressed copies the server sends to browsers that take them (brotli, else gzip),
	@# with exactly their file's modification time (brotli keeps only whole seconds): the server
	@# drops a copy older than its file as stale.
	@for file in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do \
	  gzip -9 -n -k -f "$$file"; brotli -q 11 -k -f "$$file"; touch -r "$$file" "$$file.gz" "$$file.br"; done

e2e-tests:
	cd end2end && SERVER='$(SERVER)' npx playwright test

# --- tools: each step does nothing when its tool is already there ---------------------------
tools: Cargo.lock end2end/node_modules/.installed
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -qF '$(CARGO_LEPTOS_VERSION)' || \
	  cargo install cargo-leptos --version '$(CARGO_LEPTOS_VERSION)' --locked --features no_downloads
	@wasm-bindgen --version 2>/dev/null | grep -qF ' $(WASM_BINDGEN_VERSION)' || \
	  cargo install wasm-bindgen-cli --version '$(WASM_BINDGEN_VERSION)' --force
	@command -v brotli >/dev/null || { apt-get update && apt-get install -y brotli; }

Cargo.lock:
	cargo generate-lockfile

end2end/node_modules/.installed: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	touch $@

test-python:
	@test -x '$(TEST_PYTHON_ENV)/bin/python' && '$(TEST_PYTHON_ENV)/bin/python' -c 'import aiosmtpd' 2>/dev/null || \
	  { python3 -m venv '$(TEST_PYTHON_ENV)' && '$(TEST_PYTHON_ENV)/bin/pip' install --quiet 'aiosmtpd==$(AIOSMTPD_VERSION)'; }

# Chromium, and the only fonts the browser tests let it use (end2end/fonts.conf).
browser:
	@test -x /usr/bin/chromium && test -d /usr/share/fonts/truetype/dejavu && test -d /usr/share/fonts/truetype/liberation || \
	  { apt-get update && apt-get install -y chromium fonts-dejavu-core fonts-liberation; }

clean:
	cargo clean
	rm -rf end2end/node_modules data
