# Thin wrappers over scripts/ and CMake presets (CMakePresets.json). Works as root on a fresh
# Debian 12 machine: every target that builds first installs missing packages.
FUZZ_SECONDS ?= 60
FORMAT_FILES = $(shell find src tests -name '*.cpp' -o -name '*.hpp')

.PHONY: all deps deps-ci build test demo asan fuzz format format-check clean

all: build

deps:
	bash scripts/install-deps.sh

deps-ci:
	bash scripts/install-deps.sh --ci

build: deps
	cmake --preset dev
	cmake --build --preset dev

test: deps
	cmake --workflow --preset dev

demo: build
	bash scripts/demo.sh build/dev/bin/promkit

asan: deps-ci
	cmake --workflow --preset asan

# Runs every fuzzer for FUZZ_SECONDS; new inputs go to build/fuzz/corpus/<name>, crashes to
# build/fuzz/artifacts/. The seeds in tests/fuzz/corpus/<name>/ are read, never written.
fuzz: deps-ci
	cmake --preset fuzz
	cmake --build --preset fuzz
	@set -e; for bin in build/fuzz/fuzz/fuzz_*; do \
	  test -x $$bin || { echo "no fuzzers in build/fuzz/fuzz/"; exit 1; }; \
	  name=$$(basename $$bin); seeds=tests/fuzz/corpus/$$name; \
	  mkdir -p build/fuzz/corpus/$$name build/fuzz/artifacts; \
	  echo "fuzzing $$name for $(FUZZ_SECONDS)s"; \
	  if ! $$bin -max_total_time=$(FUZZ_SECONDS) -timeout=30 -print_final_stats=1 \
	       -artifact_prefix=build/fuzz/artifacts/$$name- build/fuzz/corpus/$$name \
	       $$(test -d $$seeds && echo $$seeds) > build/fuzz/$$name.log 2>&1; then \
	    tail -n 60 build/fuzz/$$name.log; echo "$$name: FINDING (log: build/fuzz/$$name.log)"; exit 1; \
	  fi; \
	  grep -E '^stat::number_of_executed_units' build/fuzz/$$name.log || true; \
	done

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build
