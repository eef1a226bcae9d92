# gsau — build, run, test, install.
#   make demo      install what is missing, build (release), train GSAU(rec) on data/beauty-mini.txt for
#                  3 epochs, print validation/test metrics and top-10 recommendations for user 1
#   make test      install what is missing, run every test: Swift, the C example, the Python binding
#   make bench     benchmarks (results under bench/results/)
#   make install   PREFIX=/usr/local (and DESTDIR): header, libgsau.so.<ABI> with its links, gsau.pc, the CLI as gsau
#   make dist      dist/: a self-contained libgsau.so (Swift runtime linked statically), header, gsau.pc
#   make wheel     dist/gsau-<version>-py3-none-manylinux_<glibc>_<arch>.whl: the Python binding with that
#                  libgsau.so and the OpenBLAS it links inside (pip install it anywhere with that glibc)
SWIFT   ?= swift
# Package.swift reads GSAU_ABI_VERSION from include/gsau.h (the SONAME), and SwiftPM's manifest cache
# would keep an evaluation made with an older header: every build evaluates the manifest afresh.
SWIFT_BUILD = $(SWIFT) build --manifest-cache none
PYTHON  ?= python3
CC      ?= cc
RELEASE := .build/release
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define GSAU_VERSION_STRING "\(.*\)"/\1/p' include/gsau.h)
ABI     := $(shell sed -n 's/^\#define GSAU_ABI_VERSION \([0-9]*\)/\1/p' include/gsau.h)
DIST_BUILD := .build-dist
WHEEL_STAGE := .build-wheel
CFLAGS_EXAMPLE := -std=c11 -O2 -Wall -Wextra -Werror -Iinclude

.PHONY: all deps build demo test test-layers test-swift test-golden test-crash test-bench-cli test-c test-python test-install test-dist test-wheel bench install dist wheel clean

all: build

deps:
	@./scripts/install-deps.sh


build: deps
	$(SWIFT_BUILD) -c release
	ln -sf libgsau.so $(RELEASE)/libgsau.so.$(ABI)   # the SONAME programs linked with -lgsau look for

demo: build
	$(RELEASE)/gsau-cli stats data/beauty-mini.txt
	$(RELEASE)/gsau-cli evaluate data/beauty-mini.txt --model popularity
	$(RELEASE)/gsau-cli train data/beauty-mini.txt --variant gsau-rec --epochs 3 --save $(RELEASE)/demo.gsau
	$(RELEASE)/gsau-cli query $(RELEASE)/demo.gsau --user 1 --filter-seen
	@echo "(3 epochs show the pipeline, not the model: GSAU(rec) learns slowly at first and a full"
	@echo " Beauty run took 123 epochs, ~50 min at 25 s each; see docs/RESULTS.md and bench/reproduce)"

test: deps test-layers test-swift test-golden test-crash test-bench-cli test-c test-python test-install test-dist test-wheel
	@echo "all tests passed"

# The engine's layers depend one way only (docs/ARCHITECTURE.md); the self-test shows the check
# catches an upward reference.
test-layers:
	$(PYTHON) scripts/check-layers.py
	$(PYTHON) scripts/check-layers.py --self-test

test-swift:
	$(SWIFT) test

# The golden record (Tests/golden): 3 epochs of five variants on the sample, their queries and
# parameter checksums, equal to what the engine produced before its restructuring.
test-golden: build
	$(PYTHON) Tests/golden/golden.py check $(RELEASE)/gsau-cli $(RELEASE)/libgsau.so

# gsau-bench refuses what it does not know before any work starts (a mistyped option once ran a
# five-epoch benchmark and overwrote its committed result).
test-bench-cli: build
	$(RELEASE)/gsau-bench --help | grep -q '^usage: gsau-bench'
	$(RELEASE)/gsau-bench epoch --help | grep -q '^usage: gsau-bench'
	! $(RELEASE)/gsau-bench epoch --bogus 2>/dev/null
	$(RELEASE)/gsau-bench epoch --bogus 2>&1 | grep -q "'--bogus' is not an option of epoch"
	$(RELEASE)/gsau-bench epoch --epochs x 2>&1 | grep -q -- "--epochs needs a whole number"
	$(RELEASE)/gsau-bench frob 2>&1 | grep -q "unknown command 'frob'"
	$(RELEASE)/gsau-bench scale-point --sampled-negatives 1.5 2>&1 | grep -q -- "--sampled-negatives needs a whole number"
	$(RELEASE)/gsau-bench scale-point --variant 2>&1 | grep -q -- "--variant needs a value"
	$(RELEASE)/gsau-bench kernels --allow-unspecialized --runs 2 --bogus 2>&1 | grep -q "'--bogus' is not an option of kernels"

$(RELEASE)/libgsau.so: deps
	$(SWIFT_BUILD) -c release --product gsau
	ln -sf libgsau.so $(RELEASE)/libgsau.so.$(ABI)

test-c: $(RELEASE)/libgsau.so
	@# the library exports only the C API: every global defined dynamic symbol is gsau_*
	@bad=$$(readelf --dyn-syms -W $(RELEASE)/libgsau.so | awk '$$5 == "GLOBAL" && $$7 != "UND" {print $$8}' | grep -v '^gsau_' || true); \
	  if [ -n "$$bad" ]; then echo "libgsau.so exports non-gsau symbols: $$bad"; exit 1; fi
	for example in dataset_stats train_and_save load_and_serve; do \
	  $(CC) $(CFLAGS_EXAMPLE) examples/c/$$example.c -L$(RELEASE) -lgsau -Wl,-rpath,"$(CURDIR)/$(RELEASE)" -o $(RELEASE)/$$example || exit 1; done
	$(RELEASE)/dataset_stats data/beauty.inter 5
	GSAU_STOP_AFTER_EPOCH=0 $(RELEASE)/train_and_save Tests/GSAUTests/Fixtures/parity/tiny.txt $(RELEASE)/tiny.gsau 3
	printf '1\n2\nnobody\n24\n' | $(RELEASE)/load_and_serve $(RELEASE)/tiny.gsau 5 --filter-seen > $(RELEASE)/served.txt
	cat $(RELEASE)/served.txt
	grep -q "^nobody: error (unknown id)" $(RELEASE)/served.txt
	test $$(grep -c '^[0-9]*: [0-9]' $(RELEASE)/served.txt) -eq 3

# GSAU_TESTS_REQUIRE_OPTIONAL=1: Ray and faiss (installed by deps) must import; their tests fail
# rather than skip without them.
test-python: $(RELEASE)/libgsau.so
	GSAU_TESTS_REQUIRE_OPTIONAL=1 GSAU_LIBRARY_PATH="$(CURDIR)/$(RELEASE)/libgsau.so" $(PYTHON) -m pytest -q bindings/python/tests

bench: build
	$(RELEASE)/gsau-bench load
	$(RELEASE)/gsau-bench eval
	$(RELEASE)/gsau-bench kernels

install: build
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/gsau.h $(DESTDIR)$(PREFIX)/include/gsau.h
	install -m 755 $(RELEASE)/libgsau.so $(DESTDIR)$(PREFIX)/lib/libgsau.so.$(VERSION)
	ln -sf libgsau.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libgsau.so.$(ABI)
	ln -sf libgsau.so.$(ABI) $(DESTDIR)$(PREFIX)/lib/libgsau.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' pkgconfig/gsau.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/gsau.pc
	install -m 755 $(RELEASE)/gsau-cli $(DESTDIR)$(PREFIX)/bin/gsau

# Installs into a temporary prefix and builds the C example with nothing but pkg-config.
test-install:
	rm -rf .build/test-prefix
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/.build/test-prefix >/dev/null
	PKG_CONFIG_PATH=$(CURDIR)/.build/test-prefix/lib/pkgconfig sh -c '$(CC) $(CFLAGS_EXAMPLE) examples/c/dataset_stats.c $$(pkg-config --cflags --libs gsau) -Wl,-rpath,$(CURDIR)/.build/test-prefix/lib -o .build/test-prefix/dataset_stats'
	.build/test-prefix/dataset_stats data/beauty-mini.txt >/dev/null
	@echo "install + pkg-config build: ok"

# A libgsau.so that needs no Swift toolchain: the Swift runtime is linked in statically
# (its own build folder, so the development build is untouched).
dist: deps
	GSAU_STATIC_STDLIB=1 $(SWIFT_BUILD) -c release --product gsau --scratch-path $(DIST_BUILD)
	rm -rf dist && install -d dist/lib/pkgconfig dist/include
	install -m 755 $(DIST_BUILD)/release/libgsau.so dist/lib/libgsau.so.$(VERSION)
	strip --strip-unneeded dist/lib/libgsau.so.$(VERSION)
	ln -sf libgsau.so.$(VERSION) dist/lib/libgsau.so.$(ABI)
	ln -sf libgsau.so.$(ABI) dist/lib/libgsau.so
	install -m 644 include/gsau.h dist/include/gsau.h
	sed -e 's|@PREFIX@|$(CURDIR)/dist|' -e 's|@VERSION@|$(VERSION)|' pkgconfig/gsau.pc.in > dist/lib/pkgconfig/gsau.pc

# The dist library loads without the Swift toolchain: ldd lists no Swift library, and the C
# example runs against it with an empty environment.
test-dist: dist
	@if ldd dist/lib/libgsau.so | grep -i -E 'swift|libdispatch|BlocksRuntime|Foundation'; then \
	  echo "dist/lib/libgsau.so still needs the Swift runtime"; exit 1; fi
	$(CC) $(CFLAGS_EXAMPLE) examples/c/dataset_stats.c -Idist/include -Ldist/lib -lgsau -Wl,-rpath,'$$ORIGIN' -o dist/lib/dataset_stats
	env -i dist/lib/dataset_stats data/beauty-mini.txt
	rm dist/lib/dataset_stats

# The Python binding as a platform wheel: a staging copy of bindings/python (so the source tree's
# gsau/lib/ stays empty) gets the dist libgsau.so in gsau/lib/; pip builds a py3-none-linux wheel
# (bindings/python/setup.py), and auditwheel repair copies libopenblas (with libgfortran and
# libquadmath) into gsau.libs/, points libgsau.so's RPATH there and sets the manylinux tag that the
# libraries' glibc symbol versions allow. The wheel lands in dist/.
wheel: dist
	rm -rf $(WHEEL_STAGE) && install -d $(WHEEL_STAGE)/src $(WHEEL_STAGE)/raw
	tar -C bindings/python --exclude=__pycache__ --exclude='*.egg-info' --exclude=./build \
	  --exclude=./tests --exclude=./gsau/lib -cf - . | tar -C $(WHEEL_STAGE)/src -xf -
	install -d $(WHEEL_STAGE)/src/gsau/lib
	install -m 755 dist/lib/libgsau.so.$(VERSION) $(WHEEL_STAGE)/src/gsau/lib/libgsau.so
	@# Package.swift builds for Haswell (AVX2, FMA) on x86-64 unless GSAU_PORTABLE=1: the loader
	@# refuses the library, with the reason, on a CPU without them instead of crashing later
	if [ "$$(uname -m)" = x86_64 ] && [ "$${GSAU_PORTABLE:-}" != 1 ]; then \
	  echo "avx2 fma" > $(WHEEL_STAGE)/src/gsau/lib/cpu-features.txt; fi
	$(PYTHON) -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation \
	  -w $(WHEEL_STAGE)/raw $(WHEEL_STAGE)/src
	$(PYTHON) -m auditwheel repair -w dist $(WHEEL_STAGE)/raw/gsau-*-py3-none-linux_*.whl
	@ls -l dist/gsau-*.whl

# Installs the wheel into a fresh venv outside the repository and trains, queries, saves and loads
# with the toolchain, the repository and the system OpenBLAS hidden (scripts/test-wheel.sh).
test-wheel: wheel
	./scripts/test-wheel.sh dist/gsau-*-py3-none-manylinux_*.whl

clean:
	rm -rf .build $(DIST_BUILD) $(WHEEL_STAGE) dist

# Crash safety (Tests/crash/crash.py, docs/RELIABILITY.md): SIGKILL at random moments of checkpoint
# saves and of a training run with --state (40 each); the file always loads and the resumed run
# ends with the uninterrupted run's numbers and model; a save onto a full tmpfs fails with
# GSAU_E_IO and keeps the old file (skipped where no private mount namespace is allowed).
test-crash: build
	$(PYTHON) Tests/crash/crash.py $(RELEASE)/gsau-cli $(RELEASE)/libgsau.so

# ── Robustness checks (minutes, so not part of `make test`; Fuzz/README.md) ────────────────────
#   make fuzz              build the libFuzzer targets of Fuzz/ and run each for FUZZ_SECONDS
#                          (default 60); fails when a target finds a crash
#   make check-sanitizers  the Swift tests under AddressSanitizer, then under ThreadSanitizer; the C
#                          examples and Tests/c/stress.c (misuse, concurrency) built with ASan+UBSan
#                          against a libgsau.so built with ASan, and the stress test under TSan
# SAN_CC must be the Swift toolchain's clang: the programs then carry the sanitizer runtimes the
# Swift code was instrumented for (a system gcc or another clang brings its own).
FUZZ_SECONDS ?= 60
SAN_CC  ?= clang
ASAN_BUILD := .build-asan
TSAN_BUILD := .build-tsan
SAN_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Iinclude -fno-omit-frame-pointer -fuse-ld=lld
# ThreadSanitizer with its shared runtime: that one exports the runtime's libdispatch interceptors
# (the statically linked runtime does not), so libswiftDispatch's dispatch_apply reaches them and
# TSan sees every DispatchQueue.concurrentPerform iteration ordered with its caller; with the static
# runtime each such iteration shows up as a false data race.
TSAN_RUNTIME_DIR = $(dir $(shell $(SAN_CC) -print-file-name=libclang_rt.tsan-$(shell uname -m).so))
TSAN_SWIFT_FLAGS = --sanitize=thread --scratch-path $(TSAN_BUILD) -Xswiftc -Xclang-linker -Xswiftc -shared-libsan \
                   -Xlinker -rpath -Xlinker $(TSAN_RUNTIME_DIR)

.PHONY: fuzz check-sanitizers check-sanitizers-asan check-sanitizers-tsan check-sanitizers-c

fuzz: deps
	./Fuzz/build.sh
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./Fuzz/run.sh

check-sanitizers: deps
	@for part in check-sanitizers-asan check-sanitizers-tsan check-sanitizers-c; do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$part || exit 1; \
	  echo "== $$part passed in $$(( $$(date +%s) - start )) s"; done
	@echo "sanitizer checks passed"

# Leak checking is off here: XCTest's test objects are reachable only through a weak-reference
# side table in the uninstrumented Swift runtime, so at exit LeakSanitizer reports every test
# object and all it holds as leaked (suppressing that root does not release what hangs off it).
# The library's leaks are checked where the process is ours: the C programs below and every fuzz
# target run with leak detection on and no suppressions.
check-sanitizers-asan:
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path $(ASAN_BUILD)

check-sanitizers-tsan:
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test $(TSAN_SWIFT_FLAGS)

check-sanitizers-c:
	$(SWIFT_BUILD) -c debug --sanitize=address --product gsau --scratch-path $(ASAN_BUILD)
	ln -sf libgsau.so $(ASAN_BUILD)/debug/libgsau.so.$(ABI)
	mkdir -p $(ASAN_BUILD)/c
	for program in examples/c/dataset_stats examples/c/train_and_save examples/c/load_and_serve Tests/c/stress; do \
	  $(SAN_CC) $(SAN_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all $$program.c \
	    -L$(ASAN_BUILD)/debug -lgsau -Wl,-rpath,"$(CURDIR)/$(ASAN_BUILD)/debug" -lpthread -lm \
	    -o $(ASAN_BUILD)/c/$$(basename $$program) || exit 1; done
	$(ASAN_BUILD)/c/dataset_stats data/beauty.inter 5
	GSAU_STOP_AFTER_EPOCH=0 $(ASAN_BUILD)/c/train_and_save Tests/GSAUTests/Fixtures/parity/tiny.txt $(ASAN_BUILD)/c/tiny.gsau 3
	printf '1\n2\nnobody\n24\n' | $(ASAN_BUILD)/c/load_and_serve $(ASAN_BUILD)/c/tiny.gsau 5 --filter-seen > $(ASAN_BUILD)/c/served.txt
	grep -q "^nobody: error (unknown id)" $(ASAN_BUILD)/c/served.txt
	test $$(grep -c '^[0-9]*: [0-9]' $(ASAN_BUILD)/c/served.txt) -eq 3
	$(ASAN_BUILD)/c/stress Tests/GSAUTests/Fixtures/parity/tiny.txt $(ASAN_BUILD)/c
	$(SWIFT_BUILD) -c debug --product gsau $(TSAN_SWIFT_FLAGS)
	ln -sf libgsau.so $(TSAN_BUILD)/debug/libgsau.so.$(ABI)
	mkdir -p $(TSAN_BUILD)/c
	$(SAN_CC) $(SAN_CFLAGS) -fsanitize=thread -shared-libsan Tests/c/stress.c -L$(TSAN_BUILD)/debug -lgsau \
	  -Wl,-rpath,"$(CURDIR)/$(TSAN_BUILD)/debug" -Wl,-rpath,$(TSAN_RUNTIME_DIR) -lpthread -lm -o $(TSAN_BUILD)/c/stress
	TSAN_OPTIONS=halt_on_error=1 $(TSAN_BUILD)/c/stress Tests/GSAUTests/Fixtures/parity/tiny.txt $(TSAN_BUILD)/c
