# codex-mcp. `make test` installs what the tests need (the pinned codex CLI, with npm,
# into .tools/) and runs every test, integration tests included, against each pinned codex.

GO ?= go
# The codex CLI the tests run by default, and the matrix `make test` also covers.
CODEX_VERSION ?= 0.169.0
CODEX_VERSIONS ?= 0.169.0 0.125.0
TOOLS := $(CURDIR)/.tools
codex_bin = $(TOOLS)/codex/$(1)/node_modules/.bin/codex

.PHONY: build test test-unit test-matrix cross fuzz codex lint bench bench-process eval clean

build:
	$(GO) build -o bin/codex-mcp ./cmd/codex-mcp

# Install each pinned codex once; npm pins the exact version and its prebuilt binary.
codex: $(foreach v,$(CODEX_VERSIONS),$(call codex_bin,$(v)))

$(TOOLS)/codex/%/node_modules/.bin/codex:
	mkdir -p $(TOOLS)/codex/$*
	npm install --prefix $(TOOLS)/codex/$* --no-save --no-audit --no-fund --loglevel=error @openai/codex@$*
	$@ --version

# Every test, race detector on, integration tests required (never skipped), then the
# integration tests again against the other pinned codex versions.
test: codex cross
	$(GO) vet ./...
	CODEX_MCP_REQUIRE_INTEGRATION=1 CODEX_MCP_TEST_CODEX=$(call codex_bin,$(CODEX_VERSION)) \
		$(GO) test -race -count=1 $(GOTESTFLAGS) ./...
	$(MAKE) --no-print-directory test-matrix
	$(MAKE) --no-print-directory fuzz

# Every platform users run the server on must build, tests included (vet compiles them).
CROSS_TARGETS ?= darwin/arm64 darwin/amd64 windows/amd64 windows/arm64 linux/arm64
cross:
	@set -e; for t in $(CROSS_TARGETS); do echo "== vet $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./...; done

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

test-matrix: codex
	@set -e; for v in $(filter-out $(CODEX_VERSION),$(CODEX_VERSIONS)); do \
		echo "== integration tests against codex $$v"; \
		CODEX_MCP_REQUIRE_INTEGRATION=1 CODEX_MCP_TEST_CODEX=$(TOOLS)/codex/$$v/node_modules/.bin/codex \
			$(GO) test -count=1 $(GOTESTFLAGS) -run Integration ./...; \
	done

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
	rm -rf bin $(TOOLS)
