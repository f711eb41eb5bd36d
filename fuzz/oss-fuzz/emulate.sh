#!/usr/bin/env bash
# Emulates an OSS-Fuzz / ClusterFuzzLite libFuzzer build (address+undefined)
# without Docker, runs fuzz/oss-fuzz/build.sh in it, then checks $OUT the way
# the fuzzing infrastructure will use it: for every fuzz/fuzz_*.cpp an
# executable, a non-empty seed zip, a .dict that libFuzzer loads and an
# .options file that parses, and the binary started from $OUT (no project
# environment variables, no source tree) replaying its unzipped seeds with
# that dict and those options.
#
#   fuzz/oss-fuzz/emulate.sh [OUT]
# OUT defaults to a temporary folder, removed when every check passes. WORK
# is build/oss-fuzz-work, kept between runs so the second build is incremental.
#
# Differences from the real images, on purpose: Debian's clang-14 instead of
# OSS-Fuzz's trunk clang, and libstdc++ instead of -stdlib=libc++ (Debian's
# libsimdjson is built against libstdc++; the Docker image builds its own, see
# .clusterfuzzlite/Dockerfile).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
# shellcheck source=libfuzzer_options.sh
source "$ROOT/fuzz/oss-fuzz/libfuzzer_options.sh"

log() { printf '==> %s\n' "$*" >&2; }

if ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  log "installing zip and unzip (the base-builder image has them)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends zip unzip >/dev/null ||
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends zip unzip >/dev/null; }
fi

# What OSS-Fuzz's compile step exports for SANITIZER=address and =undefined
# with FUZZING_ENGINE=libfuzzer (infra/base-images/base-builder); this build
# combines both, as the project's own `fuzz` preset does.
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr
ubsan_fatal=${ubsan_checks/unsigned-integer-overflow,/}
export CC=clang-14 CXX=clang++-14
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=$ubsan_checks -fno-sanitize-recover=$ubsan_fatal -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export WORK=$ROOT/build/oss-fuzz-work
# $SRC as the image lays it out: the project in $SRC/fastovsdb, and no
# dependency sources, so build.sh uses the installed packages.
export SRC=$WORK/src
mkdir -p "$SRC"
ln -sfn "$ROOT" "$SRC/fastovsdb"
temp_out=0
if [ $# -ge 1 ]; then
  OUT=$(mkdir -p "$1" && cd "$1" && pwd)
else
  OUT=$(mktemp -d)
  temp_out=1
fi
export OUT
# The runners' defaults (ClusterFuzz sets these for every job).
export ASAN_OPTIONS=alloc_dealloc_mismatch=0:allocator_may_return_null=1:detect_leaks=1:detect_stack_use_after_return=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:symbolize=1
# The binaries must not lean on the source tree: nothing points them there.
unset FASTOVSDB_CORPUS_DIR FASTOVSDB_SCHEMA_DIR

targets=("$ROOT"/fuzz/fuzz_*.cpp)
log "building with OSS-Fuzz's flags (WORK=$WORK, OUT=$OUT)"
FASTOVSDB_BUILD_JOBS=${FASTOVSDB_BUILD_JOBS:-$(nproc)} "$SRC/fastovsdb/.clusterfuzzlite/build.sh" >"$WORK/build.log" 2>&1 ||
  { tail -60 "$WORK/build.log" >&2; log "build.sh FAILED (full log: $WORK/build.log)"; exit 1; }

passed=0 failed=0
rows=()
problem() { problems+=("$*"); }
for source in "${targets[@]}"; do
  target=$(basename "$source" .cpp)
  problems=()
  seeds=0 inited=""
  [ -x "$OUT/$target" ] || problem "no executable $OUT/$target"
  zip_file=$OUT/${target}_seed_corpus.zip
  unpacked=$WORK/unpacked/$target
  rm -rf "$unpacked"
  mkdir -p "$unpacked"
  if [ ! -s "$zip_file" ]; then
    problem "no seed corpus zip (add corpus/seeds/${target#fuzz_}/)"
  elif ! unzip -q "$zip_file" -d "$unpacked"; then
    problem "$zip_file does not unzip"
  else
    seeds=$(find "$unpacked" -type f | wc -l)
    [ "$seeds" -gt 0 ] || problem "$zip_file is empty"
  fi
  [ -s "$OUT/$target.dict" ] || problem "no $target.dict (add corpus/${target#fuzz_}.dict)"
  flags=()
  if [ ! -f "$OUT/$target.options" ]; then
    problem "no $target.options"
  elif ! grep -qx '\[libfuzzer\]' "$OUT/$target.options"; then
    problem "$target.options has no [libfuzzer] section"
  elif ! options=$(libfuzzer_option_flags "$OUT/$target.options" "$OUT" 2>&1); then
    problem "$target.options does not parse: $options"
  else
    [ -n "$options" ] && mapfile -t flags <<<"$options"
    if [ -s "$OUT/$target.dict" ] && ! printf '%s\n' "${flags[@]}" | grep -qx -- "-dict=$OUT/$target.dict"; then
      problem "$target.options does not name $target.dict"
    fi
  fi
  if [ -x "$OUT/$target" ] && [ ${#problems[@]} -eq 0 ]; then
    # From $OUT, as the runner does: -runs=0 loads the dict (libFuzzer exits
    # on a bad line), applies the options and executes every seed once.
    run_log=$WORK/$target.runs0.log
    if ! (cd "$OUT" && "./$target" "${flags[@]}" -runs=0 "$unpacked") >"$run_log" 2>&1; then
      problem "does not replay its seeds: $(grep -m1 -E 'ERROR|error|Assertion|abort|ParseDictionary' "$run_log" || tail -1 "$run_log") (log: $run_log)"
    elif grep -q 'unrecognized flag' "$run_log"; then
      problem "libFuzzer rejects an option: $(grep -m1 'unrecognized flag' "$run_log")"
    elif ! grep -q 'Dictionary: [0-9]* entries' "$run_log"; then
      problem "libFuzzer did not load the dictionary (log: $run_log)"
    else
      inited=$(grep -m1 -oE 'INITED cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[bKM]' "$run_log" || true)
      [ -n "$inited" ] || inited="(no INITED line)"
    fi
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
    entries=$(grep -m1 -oE 'Dictionary: [0-9]+ entries' "$WORK/$target.runs0.log")
    rows+=("$(printf '%-26s ok    %4d seeds  %-22s %s' "$target" "$seeds" "$entries" "$inited")")
  else
    failed=$((failed + 1))
    for p in "${problems[@]}"; do rows+=("$(printf '%-26s FAIL  %s' "$target" "$p")"); done
  fi
done

echo
echo "OSS-Fuzz emulation (address+undefined, libFuzzer) of $ROOT -> $OUT"
printf '%s\n' "${rows[@]}"
if [ "$failed" -eq 0 ] && [ "$temp_out" -eq 1 ]; then rm -rf "$OUT"; fi
[ "$failed" -eq 0 ] || log "kept $OUT for inspection"
echo "oss-fuzz-emulation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
