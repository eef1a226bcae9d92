#!/bin/sh
# Builds the libFuzzer targets of Fuzz/Targets (one executable each) into $FUZZ_SCRATCH/bin.
#
# SwiftPM builds the engine (GSAU, GSAUCAPI and their dependencies) with coverage
# instrumentation and AddressSanitizer (--sanitize fuzzer --sanitize address) in its own scratch
# folder; swiftc then compiles each target file with Fuzz/Support against those modules
# (@testable import GSAU reaches the readers' byte entry points; debug builds enable testing) and
# links it with the engine's object files and libFuzzer, which supplies main. Plain `swift build`
# and `swift test` never see these files: they are not in Package.swift (Fuzz/README.md).
set -eu
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}

"$SWIFT" build --target GSAUCAPI -c debug --sanitize fuzzer --sanitize address --scratch-path "$SCRATCH"

BIN="$SCRATCH/debug"
SHIMS="$SCRATCH/checkouts/swift-numerics/Sources/_NumericsShims/include"
OBJECTS=$(find "$BIN/GSAU.build" "$BIN/GSAUCAPI.build" "$BIN/RealModule.build" "$BIN/_NumericsShims.build" -name '*.o' | sort)
mkdir -p "$SCRATCH/bin"
for target in Fuzz/Targets/*.swift; do
  name=$(basename "$target" .swift)
  echo "linking $SCRATCH/bin/$name"
  # shellcheck disable=SC2086  # OBJECTS and pkg-config output are word lists
  "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -swift-version 5 -Onone -g -use-ld=lld \
    -module-name "Fuzz$name" -I "$BIN/Modules" \
    -Xcc -fmodule-map-file=Sources/CBLAS/module.modulemap \
    -Xcc -fmodule-map-file=Sources/GSAUHeader/module.modulemap \
    -Xcc -fmodule-map-file="$SHIMS/module.modulemap" -Xcc -I -Xcc "$SHIMS" \
    $(pkg-config --cflags-only-I openblas) \
    "$target" Fuzz/Support/*.swift $OBJECTS \
    $(pkg-config --libs openblas) -lm \
    -o "$SCRATCH/bin/$name"
done
