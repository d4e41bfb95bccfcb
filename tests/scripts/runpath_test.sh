#!/usr/bin/env bash
# The built programs and libraries never search the current directory (or any relative path) for
# shared libraries: every RPATH / RUNPATH entry is absolute or $ORIGIN-relative, and a library planted in the
# directory roz runs from is not loaded.
# Usage: runpath_test.sh ROZ ELF_FILE...
set -euo pipefail
roz=$(realpath "$1")
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for elf in "$@"; do
  paths=$(readelf -d "$elf" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]$/\2/p')
  [ -n "$paths" ] || fail "$elf has no RPATH or RUNPATH"
  IFS=: read -r -a entries <<< "$paths:"  # the trailing ':' keeps a trailing empty entry visible
  for ((i = 0; i + 1 < ${#entries[@]}; i++)); do
    e=${entries[i]}
    [[ "$e" == /* || "$e" == '$ORIGIN'* ]] || fail "$elf: search path [$paths] has entry '$e' (relative or empty: the current directory)"
  done
  [[ "$paths" != *: ]] || fail "$elf: search path [$paths] ends in an empty entry"
done

# A library planted where roz runs from: a libfmt.so.9 with no symbols.
echo 'int roz_planted;' | cc -shared -x c - -Wl,-soname,libfmt.so.9 -o "$tmp/libfmt.so.9"
(cd "$tmp" && "$roz" --version > "$tmp/version.txt" 2> "$tmp/version.err") ||
  fail "roz --version fails when run from a directory holding a libfmt.so.9: $(cat "$tmp/version.err")"
grep -q "roz" "$tmp/version.txt" || fail "roz --version printed: $(cat "$tmp/version.txt")"
echo "runpath: OK ($# files)"
