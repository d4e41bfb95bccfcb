#!/usr/bin/env bash
# Installs RoZ's Debian dependencies (skipping those already present) and configures build/ with CMake + Ninja.
# Usage: tools/setup.sh [--no-configure]
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev python3-torch libfaiss-dev libopenblas0-openmp
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libjpeg-dev
  libspdlog-dev libboost-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev libsqlite3-dev
  libicu-dev zlib1g-dev dataset-fashion-mnist
  libopenmpi-dev openmpi-bin  # sharded overlap search over MPI ranks
  libgtest-dev libbenchmark-dev
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

if [[ "${1:-}" == "--no-configure" ]]; then exit 0; fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ROZ_BUILD_DIR:-$ROOT/build}"
WERROR=OFF
if [[ "${CI:-}" == "true" ]]; then WERROR=ON; fi
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE="${ROZ_BUILD_TYPE:-RelWithDebInfo}" -DROZ_WERROR="$WERROR"
fi
