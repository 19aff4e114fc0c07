#!/usr/bin/env bash
# Configures and builds the project. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# Env: JOBS (parallel compile jobs; default: by cores and memory, so a 1 GB instance builds).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build}
shift || true

if [ -z "${JOBS:-}" ]; then
  cores=$(nproc)
  mem_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo)
  by_mem=$(( mem_mb / 900 ))   # a heavy translation unit takes up to ~0.9 GB
  [ "$by_mem" -lt 1 ] && by_mem=1
  JOBS=$(( cores < by_mem ? cores : by_mem ))
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" "${generator[@]}" "$@"
else
  cmake -S . -B "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir" -j "$JOBS"
