#!/usr/bin/env bash
# Builds every fuzz/fuzz_*.c with clang's libFuzzer (+ASan/UBSan) and runs
# each for SECONDS (default 60) on its corpus in fuzz/corpus/NAME. A crash
# leaves its input in fuzz/findings/NAME/: turn each into a regression test
# by copying it into the corpus (the replay in `make test` then runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
only=${2:-}
out=build/fuzz
mkdir -p "$out"
pkgs="libpcap libzstd libisal zlib sqlite3 jansson gmime-3.0 libarchive libmicrohttpd libpq libcrypto"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lmagic -lfuzzy -lpthread -lm"
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
srcs=$(find src -name '*.c' ! -name 'main*.c' | sort)
for f in fuzz/fuzz_*.c; do
  name=$(basename "$f" .c); target=${name#fuzz_}
  [[ -n "$only" && "$target" != "$only" ]] && continue
  echo "== $name: building"
  clang $cflags $san -o "$out/$name" "$f" $srcs $libs
  mkdir -p "fuzz/corpus/$target" "fuzz/findings/$target" "$out/corpus-$target"
  echo "== $name: fuzzing for ${seconds}s"
  "$out/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="fuzz/findings/$target/" "$out/corpus-$target" "fuzz/corpus/$target" \
    2>&1 | tail -n 3 || { echo "== $name: FINDING in fuzz/findings/$target"; exit 1; }
done
