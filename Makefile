# The two set-up commands: `make demo` and `make test`. Both install what is missing first.
SWIFT ?= swift
APT_PACKAGES := libgsl-dev libopenblas-dev pkg-config libsqlite3-dev
# Tests run optimised (the learning and gradient tests are numeric loops); -enable-testing keeps @testable imports working.
TEST_FLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release/plasticity

.PHONY: deps build test demo bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

demo: build
	$(BIN) run protocols/quickstart.toml --db results/quickstart.sqlite --report results/quickstart-report

bench: build
	$(BIN) bench

clean:
	rm -rf .build results
