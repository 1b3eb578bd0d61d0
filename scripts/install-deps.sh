#!/usr/bin/env bash
# The one place that names Debian (bookworm) packages.
#   scripts/install-deps.sh        what `make test` / `make demo` need
#   scripts/install-deps.sh --ci   also clang (sanitizer and fuzz jobs), clang-format and chromium
#                                  (the headless HTML-report test; skipped when absent)
# Installs only what is missing, so a machine that has everything never touches the network.
set -euo pipefail

# python3 runs the pseudo-terminal tests of `promkit administer` (tests/interactive/).
packages=(cmake g++ make ninja-build pkg-config
          libcli11-dev libfmt-dev libtomlplusplus-dev doctest-dev nlohmann-json3-dev
          libsqlite3-dev python3)

case "${1:-}" in
  "") ;;
  --ci) packages+=(clang libclang-rt-14-dev clang-format chromium) ;;
  *) echo "usage: $0 [--ci]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "all build dependencies present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "missing packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
