#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script: builds every fuzz/fuzz_*.cpp with
# the environment's compiler, flags and fuzzing engine, and packages each one
# into $OUT as OSS-Fuzz expects:
#   $OUT/fuzz_<name>                  the binary
#   $OUT/fuzz_<name>_seed_corpus.zip  corpus/seeds/<name> + corpus/regressions/<name>
#   $OUT/fuzz_<name>.dict             the options' dict, else corpus/<name>.dict
#   $OUT/fuzz_<name>.options          fuzz/fuzz_<name>.options, dict renamed
#   $OUT/corpus/schemas/              the OVSDB schemas the targets load at
#                                     start (found next to the binary)
# Reads (as OSS-Fuzz defines them): CC CXX CFLAGS CXXFLAGS LIB_FUZZING_ENGINE
# OUT WORK, and SRC for the dependencies' sources (see below). The build folder is
# $WORK/fastovsdb-build, so a second run with the same WORK is incremental.
# fuzz/oss-fuzz/emulate.sh runs this without Docker and checks $OUT.
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
: "${CC:?} ${CXX:?} ${CFLAGS?} ${CXXFLAGS?} ${LIB_FUZZING_ENGINE:?} ${OUT:?} ${WORK:?}"
# shellcheck source=libfuzzer_options.sh
source "$ROOT/fuzz/oss-fuzz/libfuzzer_options.sh"

BUILD=$WORK/fastovsdb-build
DEPS=$WORK/fastovsdb-deps
prefix_path=()

# In the OSS-Fuzz images $CXXFLAGS carry -stdlib=libc++, so C++ libraries
# built against libstdc++ (any distribution's simdjson and Boost.JSON) cannot
# be linked. .clusterfuzzlite/Dockerfile therefore puts their release sources
# in $SRC, and they are built here with the same compiler and flags. Where
# the packaged ones fit (fuzz/oss-fuzz/emulate.sh: Debian, libstdc++), $SRC
# has no such folders and this is skipped.
if [ -n "${SRC:-}" ] && [ -d "$SRC/simdjson" ] && [ ! -f "$DEPS/.simdjson-done" ]; then
  cmake -S "$SRC/simdjson" -B "$WORK/simdjson-build" -DCMAKE_BUILD_TYPE= \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
    -DBUILD_SHARED_LIBS=OFF -DSIMDJSON_DEVELOPER_MODE=OFF -DCMAKE_INSTALL_PREFIX="$DEPS"
  cmake --build "$WORK/simdjson-build" -j "$(nproc)"
  cmake --install "$WORK/simdjson-build"
  touch "$DEPS/.simdjson-done"
fi
if [ -n "${SRC:-}" ] && [ -d "$SRC/boost" ] && [ ! -f "$DEPS/.boost-done" ]; then
  (cd "$SRC/boost" && ./bootstrap.sh --with-toolset=clang --with-libraries=system,json &&
    ./b2 -j"$(nproc)" toolset=clang link=static variant=release threading=multi \
      "cxxflags=$CXXFLAGS -std=c++20" "linkflags=$CXXFLAGS" --prefix="$DEPS" install)
  touch "$DEPS/.boost-done"
fi
[ -d "$DEPS" ] && prefix_path=(-DCMAKE_PREFIX_PATH="$DEPS")
# Listed before configuring, so a target added while this runs waits for the
# next build instead of failing the packaging.
targets=("$ROOT"/fuzz/fuzz_*.cpp)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
# A cached generator cannot change; only pass one to a fresh folder.
[ -f "$BUILD/CMakeCache.txt" ] && generator=()

# The sanitizers, coverage and -fsanitize=fuzzer-no-link come in $CXXFLAGS;
# the project's own sanitizer and libFuzzer switches stay off so nothing is
# added twice. No build type: OSS-Fuzz's flags choose -O and -g. Tests and
# benchmarks are not configured at all.
cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_TYPE= \
  -DFASTOVSDB_BUILD_TESTS=OFF -DFASTOVSDB_BUILD_BENCHMARKS=OFF -DFASTOVSDB_BUILD_FUZZERS=ON \
  -DFASTOVSDB_LIBFUZZER=OFF -DFASTOVSDB_SANITIZE= -DFASTOVSDB_WERROR=OFF \
  -DFASTOVSDB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" "${prefix_path[@]}" >"$WORK/fastovsdb-cmake.log" ||
  { cat "$WORK/fastovsdb-cmake.log" >&2; exit 1; }
cmake --build "$BUILD" --target fuzz_targets -j "${FASTOVSDB_BUILD_JOBS:-$(nproc)}"

mkdir -p "$OUT/corpus"
rm -rf "$OUT/corpus/schemas"
cp -r "$ROOT/corpus/schemas" "$OUT/corpus/schemas"

for source in "${targets[@]}"; do
  target=$(basename "$source" .cpp)
  name=${target#fuzz_}
  install -m 755 "$BUILD/fuzz/$target" "$OUT/$target"

  # Seeds keep their names; regressions get a prefix so one can never
  # shadow a seed of the same name inside the flat zip.
  stage=$WORK/fastovsdb-seeds/$target
  rm -rf "$stage" "$OUT/${target}_seed_corpus.zip"
  mkdir -p "$stage"
  if [ -d "$ROOT/corpus/seeds/$name" ]; then
    find "$ROOT/corpus/seeds/$name" -type f -exec cp -t "$stage" {} +
  fi
  if [ -d "$ROOT/corpus/regressions/$name" ]; then
    find "$ROOT/corpus/regressions/$name" -type f -print0 |
      while IFS= read -r -d '' f; do cp "$f" "$stage/regression-$(basename "$f")"; done
  fi
  if [ -n "$(ls -A "$stage")" ]; then
    (cd "$stage" && zip -q -X -j "$OUT/${target}_seed_corpus.zip" ./*)
  fi

  rm -f "$OUT/$target.dict"
  dict=$(libfuzzer_target_dict "$ROOT" "$name")
  if [ -n "$dict" ]; then cp "$dict" "$OUT/$target.dict"; fi

  # OSS-Fuzz resolves `dict` against $OUT: point it at the copy made above.
  flags=$(libfuzzer_option_flags "$ROOT/fuzz/$target.options" "$ROOT/fuzz")
  {
    echo "[libfuzzer]"
    if [ -n "$dict" ]; then echo "dict = $target.dict"; fi
    while IFS= read -r flag; do
      case $flag in -dict=* | '') ;; *) flag=${flag#-}; echo "${flag%%=*} = ${flag#*=}" ;; esac
    done <<<"$flags"
  } >"$OUT/$target.options"
  echo "packaged $target"
done
