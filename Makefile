# codex-mcp. `make test` installs what the tests need (the pinned codex CLI, with npm,
# into .tools/) and runs every test, integration tests included, against each pinned codex.

GO ?= go
# The codex CLI the tests run by default, and the matrix `make test` also covers.
CODEX_VERSION ?= 0.169.0
CODEX_VERSIONS ?= 0.169.0 0.125.0
TOOLS := $(CURDIR)/.tools
codex_bin = $(TOOLS)/codex/$(1)/node_modules/.bin/codex
# Claude Code, the real client the prompt tests drive (offline, against internal/fakeanthropic).
CLAUDE_CODE_VERSION ?= 2.1.332
claude_bin = $(TOOLS)/claude/$(CLAUDE_CODE_VERSION)/node_modules/.bin/claude


# The official MCP TypeScript SDK client and Ajv the tests drive (internal/tsclient): every
# version pinned by internal/tsclient/package-lock.json, installed with `npm ci`.
TSCLIENT := $(TOOLS)/tsclient

.PHONY: build test test-unit test-matrix test-lifecycle cross dist fuzz codex claude tsclient lint bench bench-process eval clean

build:
	$(GO) build -o bin/codex-mcp ./cmd/codex-mcp

# Install each pinned codex once; npm pins the exact version and its prebuilt binary.
codex: $(foreach v,$(CODEX_VERSIONS),$(call codex_bin,$(v)))

$(TOOLS)/codex/%/node_modules/.bin/codex:
	mkdir -p $(TOOLS)/codex/$*
	npm install --prefix $(TOOLS)/codex/$* --no-save --no-audit --no-fund --loglevel=error @openai/codex@$*
	$@ --version

# Claude Code, pinned the same way (its npm package ships the native binary per platform).
claude: $(claude_bin)

$(TOOLS)/claude/%/node_modules/.bin/claude:
	mkdir -p $(TOOLS)/claude/$*
	npm install --prefix $(TOOLS)/claude/$* --no-save --no-audit --no-fund --loglevel=error @anthropic-ai/claude-code@$*
	$@ --version

# The lockfile is the pin: a changed one installs again.
tsclient: $(TSCLIENT)/node_modules/.installed

$(TSCLIENT)/node_modules/.installed: internal/tsclient/package.json internal/tsclient/package-lock.json
	rm -rf $(TSCLIENT) && mkdir -p $(TSCLIENT)
	cp internal/tsclient/package.json internal/tsclient/package-lock.json $(TSCLIENT)/
	npm ci --prefix $(TSCLIENT) --no-audit --no-fund --loglevel=error
	touch $@

# Every test, race detector on, integration tests required (never skipped), then the
# integration tests again against the other pinned codex versions.
test: codex claude tsclient cross
	$(GO) vet ./...
	CODEX_MCP_REQUIRE_INTEGRATION=1 CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) CODEX_MCP_TEST_CLAUDE=$(claude_bin) \
		$(GO) test -race -count=1 $(GOTESTFLAGS) ./...
	$(MAKE) --no-print-directory test-matrix
	$(MAKE) --no-print-directory test-lifecycle
	$(MAKE) --no-print-directory fuzz

# Every platform users run the server on must build as it is released (CGO_ENABLED=0),
# tests included: vet type-checks them, and the binary is built into a temp dir. The same
# list is what .goreleaser.yaml and `make dist` release (internal/dist's test checks it).
CROSS_TARGETS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
cross:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	for t in $(CROSS_TARGETS); do echo "== vet and build $$t"; \
		export CGO_ENABLED=0 GOOS=$${t%/*} GOARCH=$${t#*/}; \
		$(GO) vet ./...; $(GO) build -trimpath -o "$$tmp/codex-mcp-$${GOOS}-$${GOARCH}" ./cmd/codex-mcp; done

# The release archives and checksums under dist/, as .goreleaser.yaml makes them, with
# the go command alone. DIST_VERSION overrides the version (default: the tag at HEAD,
# else <last tag or 0.0.0>-SNAPSHOT-<commit>).
DIST_VERSION ?=
dist:
	rm -rf dist
	$(GO) run ./internal/dist -out dist $(if $(DIST_VERSION),-version $(DIST_VERSION)) $(CROSS_TARGETS)
	@ls -l dist

# Short fuzz runs of every fuzz target (corpora in each package's testdata/fuzz); a crash
# writes its input there and fails the run. Budgets are execution counts, not durations:
# a duration races Go 1.26's fuzz coordinator at the deadline (go.dev/issue/75804) and
# fails a clean run with "context deadline exceeded" on a loaded machine.
# FUZZSCALE=100 for a longer hunt.
FUZZSCALE ?= 1
FUZZ_TARGETS ?= FuzzParseEvent:./session/codex:30000 FuzzParse:./session/rollout:2000 \
	FuzzRender:./prompts:30000 FuzzParse:./internal/atpattern:30000 FuzzToolArguments:./tools:30000 \
	FuzzDecide:./session/decide:30000
fuzz:
	@set -e; for ft in $(FUZZ_TARGETS); do name=$${ft%%:*}; rest=$${ft#*:}; pkg=$${rest%%:*}; \
		n=$$(( $${rest##*:} * $(FUZZSCALE) )); echo "== fuzz $$name in $$pkg ($$n runs)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $${n}x "$$pkg"; done

test-matrix: codex tsclient
	@set -e; for v in $(filter-out $(CODEX_VERSION),$(CODEX_VERSIONS)); do \
		echo "== integration tests against codex $$v"; \
		CODEX_MCP_REQUIRE_INTEGRATION=1 CODEX_MCP_TEST_CODEX=$(TOOLS)/codex/$$v/node_modules/.bin/codex \
			$(GO) test -count=1 $(GOTESTFLAGS) -run Integration ./...; \
	done

# The tests that end runs the hard way (a server killed with SIGKILL, a client that
# cancels, timeouts, a client that goes away) again with the watcher alone, the mechanism
# macOS runs, so CI covers it on Linux. (The lifecycle tests proper already run each
# mechanism this OS has, so they are not repeated.)
LIFECYCLE_TESTS ?= Kill|Cancel|Timeout|StdinClosed|RunsHang|ModelDown
test-lifecycle: codex
	CODEX_MCP_LIFECYCLE=watcher CODEX_MCP_REQUIRE_INTEGRATION=1 CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) \
		$(GO) test -count=1 $(GOTESTFLAGS) -run '$(LIFECYCLE_TESTS)' -skip 'Lifecycle|Watcher' ./session/codex/ ./tools/ ./cmd/codex-mcp/

test-unit:
	$(GO) test -race -short ./...

lint:
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# The figures in the README: whole-process benchmarks (each reports medians of runs that
# alternate with their baseline), then the 10,000-session listing and decision ones.
bench: codex
	CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) $(GO) test -run '^$$' -bench 'Startup' -benchtime 40x -count 3 ./internal/bench
	CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) $(GO) test -run '^$$' -bench 'IdleRSS' -benchtime 5x -count 3 ./internal/bench
	$(GO) test -run '^$$' -bench 'HTTPvsStdio' -benchtime 200x -count 3 ./internal/bench
	CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) $(GO) test -run '^$$' -bench 'Overhead|Concurrent|Receipt' -benchtime 10x -count 3 ./internal/bench
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 5 ./session
	$(GO) test -run '^$$' -bench 'Decide10k' -count 5 ./session/decide

# The decision corpus (session/decide/testdata/eval/*.json): why each wrong case is wrong,
# then the accuracy report per file, class and expected decision. A wrong seed-class case
# or a malformed case fails, and so does a file below the accuracy targets (CODEX_MCP_EVAL_STRICT=0: report only).
eval:
	@out=$$($(GO) test -count=1 -run '^TestEval$$' -v ./session/decide/ 2>&1); rc=$$?; \
		printf '%s\n' "$$out" | grep -v -E '^ *(=== (RUN|PAUSE|CONT)|--- PASS)'; exit $$rc

clean:
	rm -rf bin dist $(TOOLS)
