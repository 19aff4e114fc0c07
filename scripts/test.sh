#!/usr/bin/env bash
# Sets everything up and runs all the tests: installs the packages (scripts/install-deps.sh
# --test), builds with -Werror, runs the test suite, then builds with ASan+UBSan and runs the
# suite again under the sanitizers. Exit code 0 only when everything passed.
# Env: ASP_SKIP_SANITIZE=1 skips the sanitizer pass (local iterations).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test

scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASP_WERROR=ON
(cd build && ctest --output-on-failure --timeout 1500 -j "${CTEST_JOBS:-2}")

if [ "${ASP_SKIP_SANITIZE:-0}" != 1 ]; then
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DASP_WERROR=ON -DASP_SANITIZE=ON
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
  export LSAN_OPTIONS
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure --timeout 2400 -j "${CTEST_JOBS:-2}" -LE no-sanitize)
fi
echo "test.sh: all tests passed"
