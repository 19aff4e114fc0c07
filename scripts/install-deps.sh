#!/usr/bin/env bash
# Installs every system package the project needs, on Debian 12 or Ubuntu 22.04/24.04, as root
# (or through sudo). Usage: scripts/install-deps.sh [--runtime|--build|--test]
#   --build (default): compilers and libraries to build the tools, and what serve reads at
#     run time (libjs-katex: the TeX typesetting it serves under /static/katex/)
#   --test: also what the tests and benchmarks use (PostgreSQL, nginx, HAProxy, Chromium, ...)
set -euo pipefail

mode=${1:---build}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

build_pkgs=(
  build-essential cmake ninja-build pkg-config ccache git ca-certificates curl
  libcli11-dev libcurl4-openssl-dev libtinyxml2-dev libpoppler-cpp-dev
  libpoppler-glib-dev libcairo2-dev
  libgraphicsmagick++1-dev nlohmann-json3-dev libarmadillo-dev libsqlitecpp-dev libsqlite3-dev
  catch2 libsodium-dev libssl-dev libspdlog-dev libfmt-dev libmicrohttpd-dev libpqxx-dev
  libboost-dev libicu-dev zlib1g-dev
  libzxcvbn-dev  # serve's common-password check (zxcvbn-c's dictionaries; runtime: libzxcvbn0)
  sqlite3 python3 make util-linux procps
  libjs-katex
)
test_pkgs=(
  poppler-utils python3-sklearn python3-numpy python3-scipy
  postgresql nginx haproxy wrk chromium shellcheck
  imagemagick ghostscript time iproute2 iptables systemd cloud-init
  python3-bibtexparser
  lintian file systemd-container debootstrap  # the .deb (scripts/package.sh), tests/booted/
  python3-aiosmtpd python3-feedparser openssl
  qpdf  # remakes the encrypted PDFs of tests/fixtures/pdf (make_fixtures.py --encrypted)
)

pkgs=("${build_pkgs[@]}")
if [ "$mode" = "--test" ]; then
  pkgs+=("${test_pkgs[@]}")
  # Node.js + npm (for the local S3 used by the tests): Debian's packages unless a Node.js
  # with npm is already installed (e.g. NodeSource's nodejs, which conflicts with Debian's npm).
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages present"
else
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # --no-install-recommends keeps ghostscript and fonts out (we render with Poppler).
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The local S3 of the sync tests: s3rver from npm, pinned by tests/fakes/s3/package-lock.json.
s3_fake="$(cd "$(dirname "$0")/.." && pwd)/tests/fakes/s3"
if [ "$mode" = "--test" ] && [ ! -d "$s3_fake/node_modules/s3rver" ]; then
  echo "install-deps: installing s3rver into $s3_fake/node_modules"
  (cd "$s3_fake" && npm ci --no-audit --no-fund --loglevel=error)
fi
