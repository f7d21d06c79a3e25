# The two commands of the README: `make demo` and `make test`.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Extra arguments for the benchmarks, e.g. `make bench BENCH_ARGS="--spans 200000"` (store_bench)
# and `make bench-ingest INGEST_BENCH_ARGS="--connections 8 --gzip"` (ingest_bench).
BENCH_ARGS ?=
INGEST_BENCH_ARGS ?=
# and `make bench-sdk SDK_BENCH_ARGS="--spans 2000000"` (sdk_bench).
SDK_BENCH_ARGS ?=

.PHONY: all setup build test demo bench bench-ingest bench-sdk bench-ui format asan clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: setup $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)/hoptrace

# Installs the peers' packages too (clickhouse-server), builds, and runs each benchmark once at
# its default size; store_bench starts and stops its own ClickHouse on loopback, ingest_bench its
# own `hoptrace serve`.
bench:
	@scripts/setup --bench
	@$(MAKE) --no-print-directory build
	@$(BUILD)/bench/store_bench --clickhouse auto $(BENCH_ARGS)
	@$(BUILD)/bench/ingest_bench $(INGEST_BENCH_ARGS)
	@scripts/npm-ci tests/clients >/dev/null || echo "npm ci failed: sdk_bench reports the JS SDK as skipped"
	@$(BUILD)/bench/sdk_bench $(SDK_BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-ui

# ingest_bench alone: W1 as OTLP/HTTP protobuf into the `hoptrace serve` of this build, end to
# end, beside the store-only rate of the same spans.
bench-ingest: build
	@$(BUILD)/bench/ingest_bench $(INGEST_BENCH_ARGS)

# sdk_bench alone: W2, libhoptrace's cost per span beside the OpenTelemetry JS SDK (its pinned
# packages installed by scripts/npm-ci tests/clients).
bench-sdk: build
	@scripts/npm-ci tests/clients >/dev/null || echo "npm ci failed: sdk_bench reports the JS SDK as skipped"
	@$(BUILD)/bench/sdk_bench $(SDK_BENCH_ARGS)

# bench-ui: W3, the web UI in headless chromium (bench/ui_bench.mjs, playwright-core from web/'s
# pinned lockfile), e.g. `make bench-ui UI_BENCH_ARGS="--spans 10000,100000 --modes vsync"`.
UI_BENCH_ARGS ?=
bench-ui: build
	@HOPTRACE_BIN=$(abspath $(BUILD))/hoptrace HOPTRACE_ARTIFACTS=$(abspath $(BUILD))/ui-artifacts \
	  node bench/ui_bench.mjs $(UI_BENCH_ARGS)

asan:
	@$(MAKE) BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOPTRACE_SANITIZE=address" test

format:
	@clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	@rm -rf $(BUILD)
