#!/usr/bin/env bash
# The wheel holds what users run (no test support, no build scripts), and an installed wheel does
# the main job from an empty folder: resolve a case report offline, then answer a query.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip wheel -q --no-deps "$root" -w "$work/dist"
wheel="$(ls "$work"/dist/refkit-*.whl)"
if unzip -l "$wheel" | grep -E "evaluation/|support/|scripts/|tests/|crossref_server" ; then
  echo "check_wheel: the wheel ships test or build code" >&2; exit 1
fi
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$wheel"
mkdir "$work/empty"
cp "$root"/seeds/jkra-16-301.txt "$root"/seeds/jkra-16-301.works.jsonl "$work/empty/"
cp "$root"/seeds/jkra-16-301.pubmed.xml "$work/empty/" 2>/dev/null || true
cd "$work/empty"
export XDG_CACHE_HOME="$work/xdg"
"$work/venv/bin/refkit" resolve --offline jkra-16-301.txt > resolve.out
grep -q "10.1016/S0140-6736(03)14368-1" resolve.out
"$work/venv/bin/refkit" query tacrolimus > query.out
grep -q "Oddis 1999" query.out
echo "check_wheel: ok ($(basename "$wheel"): resolve and query from an empty folder)"
