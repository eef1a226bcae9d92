# gsau — build, run, test, install.
#   make demo      install what is missing, build (release), train GSAU(rec) on data/beauty-mini.txt for
#                  3 epochs, print validation/test metrics and top-10 recommendations for user 1
#   make test      install what is missing, run every test: Swift, the C example, the Python binding
#   make bench     benchmarks (results under bench/results/)
SWIFT   ?= swift
PYTHON  ?= python3
CC      ?= cc
RELEASE := .build/release
CFLAGS_EXAMPLE := -std=c11 -O2 -Wall -Wextra -Werror -Iinclude

.PHONY: all deps build demo test test-swift test-c test-python bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release

demo: build
	$(RELEASE)/gsau-cli stats data/beauty-mini.txt
	$(RELEASE)/gsau-cli evaluate data/beauty-mini.txt --model popularity
	$(RELEASE)/gsau-cli train data/beauty-mini.txt --variant gsau-rec --epochs 3 --recommend-user 1

test: deps test-swift test-c test-python
	@echo "all tests passed"

test-swift:
	$(SWIFT) test

$(RELEASE)/libgsau.so: deps
	$(SWIFT) build -c release --product gsau

test-c: $(RELEASE)/libgsau.so
	@# the library exports only the C API: every global defined dynamic symbol is gsau_*
	@bad=$$(readelf --dyn-syms -W $(RELEASE)/libgsau.so | awk '$$5 == "GLOBAL" && $$7 != "UND" {print $$8}' | grep -v '^gsau_' || true); \
	  if [ -n "$$bad" ]; then echo "libgsau.so exports non-gsau symbols: $$bad"; exit 1; fi
	$(CC) $(CFLAGS_EXAMPLE) examples/c/dataset_stats.c -L$(RELEASE) -lgsau -Wl,-rpath,"$(CURDIR)/$(RELEASE)" -o $(RELEASE)/dataset_stats
	$(RELEASE)/dataset_stats data/beauty.inter 5

test-python: $(RELEASE)/libgsau.so
	GSAU_LIBRARY_PATH="$(CURDIR)/$(RELEASE)/libgsau.so" $(PYTHON) -m pytest -q bindings/python/tests

bench: build
	$(RELEASE)/gsau-bench load
	$(RELEASE)/gsau-bench eval
	$(RELEASE)/gsau-bench kernels

clean:
	rm -rf .build
