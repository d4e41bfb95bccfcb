#!/usr/bin/env bash
# Installs RoZ's Debian dependencies (skipping those already present), the project venv (.venv: the
# pinned torch wheel whose LibTorch roz links, and the Python reference tools, tools/requirements.txt
# and tools/requirements-nodeps.txt (installed without their declared dependencies);
# reused while the requirements are unchanged) and configures build/ with CMake + Ninja.
# Usage: tools/setup.sh [--no-configure]
# ROZ_PYTHON=/path/to/python builds against that Python's own PyTorch instead of the venv's.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  python3-venv libfaiss-dev libopenblas0-openmp
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libjpeg-dev
  libopencv-video-dev  # ECC image alignment: the overlap audit's copy verification
  libspdlog-dev libboost-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libsqlite3-dev
  libicu-dev zlib1g-dev dataset-fashion-mnist
  libopenmpi-dev openmpi-bin  # sharded overlap search over MPI ranks
  libgtest-dev libbenchmark-dev
  clang libclang-rt-14-dev  # tools/fuzz.sh: libFuzzer, AddressSanitizer, UndefinedBehaviorSanitizer
  chromium  # the report test renders report.html headless
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${ROZ_PYTHON:-}" ]]; then
  ROZ_PYTHON="$ROOT/.venv/bin/python3"
  stamp="$ROOT/.venv/roz-requirements.sha256"
  want=$(cat "$ROOT/tools/requirements.txt" "$ROOT/tools/requirements-nodeps.txt" | sha256sum | cut -d' ' -f1)
  if [[ ! -x "$ROZ_PYTHON" || "$(cat "$stamp" 2> /dev/null)" != "$want" ]]; then
    echo "setup: installing the project venv (.venv) from tools/requirements.txt" >&2
    [[ -x "$ROZ_PYTHON" ]] || python3 -m venv "$ROOT/.venv"
    "$ROZ_PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/tools/requirements.txt"
    "$ROZ_PYTHON" -m pip install -q --disable-pip-version-check --no-deps -r "$ROOT/tools/requirements-nodeps.txt"
    echo "$want" > "$stamp"
  fi
fi

if [[ "${1:-}" == "--no-configure" ]]; then exit 0; fi

BUILD="${ROZ_BUILD_DIR:-$ROOT/build}"
WERROR=OFF
if [[ "${CI:-}" == "true" ]]; then WERROR=ON; fi
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="${ROZ_BUILD_TYPE:-RelWithDebInfo}" -DROZ_WERROR="$WERROR" \
    -DROZ_PYTHON="$ROZ_PYTHON"
fi
