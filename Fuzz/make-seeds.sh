#!/bin/sh
# Regenerates the committed seed corpora in Fuzz/Corpus from the repository's data and the CLI
# (build it first: swift build -c release --product gsau-cli). The seeds stay small: a few files
# per target. The checkpoint and training-state seeds use the tiny run of
# Fuzz/Support/TinyRun.swift (same data, same configuration), so a mutated state file can still
# pass the compatibility check and resume.
set -eu
cd "$(dirname "$0")/.."
CLI=${GSAU_CLI:-.build/release/gsau-cli}
C=Fuzz/Corpus
TINY=Tests/GSAUTests/Fixtures/parity/tiny.txt
MODEL_OPTIONS="--embedding-size 8 --layers 1 --heads 1 --inner-size 16 --max-length 10 --batch-size 8"
rm -rf "$C" && mkdir -p "$C/SequenceReader" "$C/AtomicReader" "$C/CSVReader" \
  "$C/CheckpointLoader" "$C/TrainingStateLoader" "$C/QueryArguments"

# Readers: slices of the sample data and fixtures, and the odd shapes each format allows.
head -n 12 data/beauty-mini.txt > "$C/SequenceReader/beauty-mini-head.txt"
cp "$TINY" "$C/SequenceReader/tiny.txt"
printf 'u1\ti1  i2\r\n\n  u2 i3\ti1 i2 i4\r\nu3 i2 i3 i4\n' > "$C/SequenceReader/whitespace-crlf.txt"
head -n 25 Tests/GSAUTests/Fixtures/parity/tiny.inter > "$C/AtomicReader/tiny-head.inter"
printf 'rating:float\titem_id:token\tuser_id:token\n5\ta\tx\n4\tb\tx\n3\tc\tx\n1\ta\ty\n2\tb\ty\n2\tc\ty\n' > "$C/AtomicReader/no-timestamp.inter"
printf 'user_id:token\titem_id:token\ttimestamp:float\r\nu 1\ti 1\t3e2\r\nu 1\ti 2\t1.5\r\nu 1\ti 3\t-7\r\n' > "$C/AtomicReader/spaces-crlf.inter"
printf 'user,item,timestamp\n1,1,10\n1,2,20\n1,3,30\n2,2,5\n2,3,6\n2,4,7\n' > "$C/CSVReader/plain.csv"
printf 'rating,ItemID,"user_id"\n5,"a,1",u\n4,"b ""2""",u\n3, c ,u\n' > "$C/CSVReader/quoted.csv"
awk 'NR <= 8 { for (i = 2; i <= NF; i++) printf "%s,%s,%d\n", $1, $i, i }' data/beauty-mini.txt \
  | sed '1i time,user,item' | awk -F, 'NR == 1 { print; next } { print $3 "," $1 "," $2 }' > "$C/CSVReader/beauty-mini-head.csv"

# Checkpoints: the tiny run's GSAU(rec) and DirectAU models (format version 3), and the
# version-2 DirectAU fixture.
for variant in gsau-rec directau; do
  # shellcheck disable=SC2086  # MODEL_OPTIONS is a word list
  "$CLI" train "$TINY" --variant "$variant" --epochs 1 --threads 1 --quiet --save "$C/CheckpointLoader/tiny-$variant.gsau" $MODEL_OPTIONS >/dev/null
done
cp Tests/GSAUTests/Fixtures/checkpoints/v2-directau.gsau "$C/CheckpointLoader/v2-directau.gsau"

# Training state: one epoch of the tiny GSAU(rec) run (the harness resumes it), and two epochs.
for epochs in 1 2; do
  # shellcheck disable=SC2086
  "$CLI" train "$TINY" --variant gsau-rec --epochs "$epochs" --threads 1 --quiet --state "$C/TrainingStateLoader/tiny-$epochs-epochs.gsat" $MODEL_OPTIONS >/dev/null
done

# Query arguments (Fuzz/Targets/QueryArguments.swift): byte 0 = model (bit 0) and entry point
# (the rest modulo 10), then little-endian int32 values. One seed per entry point and model.
python3 - "$C/QueryArguments" <<'PY'
import struct, sys
out = sys.argv[1]
def ints(*v): return b"".join(struct.pack("<i", x) for x in v)
query = ints(1 | 16 | 64 | 8, 3, 2, 3, 4, 1, 5)   # filter_seen, allowed [2 3 4], excluded [5]
seeds = {
    0: ints(1, 10) + query,                          # recommend user 1, k 10
    1: ints(5, 3) + ints(3, 1, 2, 3) + ints(0),      # sequence [1 2 3], k 5
    2: ints(5) + ints(3, 1, 2, 3) + ints(0),         # batch of users [1 2 3], k 5
    3: ints(2, 5),                                   # similar to item 2
    4: ints(2, 1, 2),                                # user vectors of [1 2]
    5: ints(1, 1),                                   # item id 1, user id 1
    6: b"1",                                         # raw id "1"
    7: ints(0) + ints(2, 10, 20),                    # evaluate validation at 10, 20
    8: ints(1 << 20),                                # item embeddings, ample capacity
    9: ints(1 << 10),                                # config with a large struct_size
}
for op, body in seeds.items():
    for model in (0, 1):
        with open(f"{out}/op{op}-model{model}", "wb") as f:
            f.write(bytes([op << 1 | model]) + body)
PY
du -sh "$C"/* 
