# Sourced by ./run, build.sh and emulate.sh: the one reader of the
# OSS-Fuzz-style fuzz/<target>.options files ("[libfuzzer]" then
# "key = value" lines), so the three agree on what a target's options mean.

# Prints one libFuzzer flag (-key=value) per line for the [libfuzzer] section
# of options file $1. A relative `dict` is resolved against folder $2 (the
# options file's own folder for fuzz/, $OUT for a packaged build), so the flag
# works from any working directory. Prints nothing for a missing file; fails
# on a line that is neither a section, a comment nor key = value.
libfuzzer_option_flags() {
  local file=$1 base=$2 section="" line key value n=0
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%$'\r'}
    case $line in
      '' | '#'* | ';'*) continue ;;
      '['*']') section=${line#[}; section=${section%]}; continue ;;
    esac
    if [[ ! $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
      echo "$file:$n: not 'key = value': $line" >&2
      return 1
    fi
    [ "$section" = libfuzzer ] || continue
    key=${BASH_REMATCH[1]}
    value=${BASH_REMATCH[2]}
    if [ "$key" = dict ] && [ "${value#/}" = "$value" ]; then value="$base/$value"; fi
    printf -- '-%s=%s\n' "$key" "$value"
  done <"$file"
}

# The dictionary a target uses: the options file's `dict`, else
# corpus/<name>.dict. $1 = source root, $2 = corpus name (datum for
# fuzz_datum). Prints nothing when the target has none.
libfuzzer_target_dict() {
  local root=$1 name=$2 flag
  while IFS= read -r flag; do
    case $flag in -dict=*) readlink -f "${flag#-dict=}"; return 0 ;; esac
  done < <(libfuzzer_option_flags "$root/fuzz/fuzz_$name.options" "$root/fuzz")
  [ -f "$root/corpus/$name.dict" ] && printf '%s\n' "$root/corpus/$name.dict"
  return 0
}
