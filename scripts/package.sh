#!/usr/bin/env bash
# Builds the Debian package: dist/arxiv-sanity_<version>_amd64.deb (CPack's DEB generator over a
# staged tree), so that a small machine installs the tools instead of compiling them
# (`scripts/deploy.sh --deb FILE`, docs/deploy.md).
#
# Usage: scripts/package.sh [--version V] [--build-dir DIR] [--out DIR] [--no-lintian]
#   --version V    the package version (default: the CMake project version + git<commits>,
#                  e.g. 0.1.0+git412, so a later commit is an upgrade)
#   --build-dir    the Release build used (default build-package; reused when present)
#   --out          where the .deb goes (default dist/)
# Env: JOBS (compile jobs, as scripts/build.sh).
#
# What is in it (paths are fixed; the units are deploy/systemd/ filled in by deploy.sh --render):
#   /usr/lib/arxiv-sanity/bin/        the tools and the wrapper arxiv-sanity-pipeline
#   /usr/bin/arxiv-sanity-pipeline    -> the wrapper
#   /usr/lib/arxiv-sanity/share/      Makefile.pipeline, scripts/, deploy/port80-redirect.sh,
#                                     defaults/ (the first settings of /etc/arxiv-sanity)
#   /lib/systemd/system/              arxiv-sanity{,-port80,-pipeline}.service, -pipeline.timer
#   /usr/lib/systemd/journald.conf.d/ the journal size cap
#   /usr/lib/sysusers.d/, tmpfiles.d/ the system user arxiv-sanity, /var/lib/arxiv-sanity
#   /usr/share/doc/arxiv-sanity/      README.md, docs/, copyright, changelog.gz
# Maintainer scripts: deploy/debian/{postinst,prerm,postrm}. Depends: dpkg-shlibdeps on the
# tools (CPACK_DEBIAN_PACKAGE_SHLIBDEPS) plus the commands the scripts run.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

version=""
build_dir=build-package
out=dist
lintian=1
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=${2:?}; shift 2 ;;
    --build-dir) build_dir=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --no-lintian) lintian=0; shift ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package: unknown option: $1" >&2; exit 2 ;;
  esac
done
say() { echo "package: $*"; }
for tool in cpack dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null ||
    { echo "package: $tool is missing (scripts/install-deps.sh --test installs it)" >&2; exit 1; }
done

if [ -z "$version" ]; then
  base=$(sed -n 's/^project([^)]* VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
  version="$base+git$(git rev-list --count HEAD)"
fi
[[ $version =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || { echo "package: bad version: $version" >&2; exit 2; }
arch=$(dpkg --print-architecture)
prefix=/usr/lib/arxiv-sanity
doc=/usr/share/doc/arxiv-sanity

# 1. A Release build of the tools (no tests), installed into a staging tree.
say "Release build in $build_dir"
"$src/scripts/build.sh" "$build_dir" -DCMAKE_BUILD_TYPE=Release -DASP_BUILD_TESTS=OFF \
  -DASP_WERROR=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
work=$(readlink -f "$build_dir")/deb
stage=$work/root
rm -rf "$work"
mkdir -p "$stage"
DESTDIR=$stage cmake --install "$build_dir" >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage$prefix"/bin/*

# 2. The units and the wrapper, filled in for the package's paths.
"$src/scripts/deploy.sh" --render "$work/units" --prefix "$prefix" --doc-dir "$doc" \
  --data-dir /var/lib/arxiv-sanity --etc-dir /etc/arxiv-sanity --user arxiv-sanity --port 5000
install -m 755 "$work/units/arxiv-sanity-pipeline" "$stage$prefix/bin/"
install -d "$stage/usr/bin" "$stage/lib/systemd/system"
ln -s ../lib/arxiv-sanity/bin/arxiv-sanity-pipeline "$stage/usr/bin/arxiv-sanity-pipeline"
install -m 644 "$work"/units/*.service "$work"/units/*.timer "$stage/lib/systemd/system/"
install -D -m 644 deploy/journald-arxiv-sanity.conf \
  "$stage/usr/lib/systemd/journald.conf.d/arxiv-sanity.conf"
install -D -m 644 deploy/debian/sysusers.conf "$stage/usr/lib/sysusers.d/arxiv-sanity.conf"
install -D -m 644 deploy/debian/tmpfiles.conf "$stage/usr/lib/tmpfiles.d/arxiv-sanity.conf"

# 3. The pipeline's Makefile and helpers, the default settings, the docs.
install -D -m 644 Makefile.pipeline "$stage$prefix/share/Makefile.pipeline"
install -D -m 755 scripts/pipeline-status.sh "$stage$prefix/share/scripts/pipeline-status.sh"
install -D -m 755 deploy/port80-redirect.sh "$stage$prefix/share/deploy/port80-redirect.sh"
install -D -m 644 deploy/pipeline.env "$stage$prefix/share/defaults/pipeline.env"
install -D -m 644 deploy/serve.env "$stage$prefix/share/defaults/serve.env"
install -d "$stage$doc"
cp -r docs/. "$stage$doc/"
install -m 644 README.md "$stage$doc/README.md"
commit=$(git rev-parse --short HEAD)
cat >"$stage$doc/copyright" <<EOF
arxiv-sanity: a C++20 re-creation of arxiv-sanity-preserver (search, similar papers and
recommendations for arXiv papers), built from commit $commit of its repository.

Copyright (C) 2026 the arxiv-sanity-cpp authors. Third-party libraries are not bundled:
they are Debian packages this package depends on, each under its own license.
EOF
{
  echo "arxiv-sanity ($version) unstable; urgency=medium"
  echo
  echo "  * Built from commit $commit: $(git log -1 --format=%s | cut -c1-40)"
  echo
  echo " -- arxiv-sanity-cpp <arxiv-sanity-cpp@users.noreply.github.com>  $(date -u -R -d "@$(git log -1 --format=%ct)")"
} | gzip -9n >"$stage$doc/changelog.gz"
find "$stage" -type d -exec chmod 755 {} +
find "$stage$doc" -type f -exec chmod 644 {} +

# 4. CPack's DEB generator over the staged tree (dpkg-shlibdeps for the library Depends).
cp deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$work/"
chmod 755 "$work/postinst" "$work/prerm" "$work/postrm"
mkdir -p "$out"
out=$(readlink -f "$out")
cat >"$work/CPackConfig.cmake" <<EOF
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME arxiv-sanity)
set(CPACK_PACKAGE_VERSION "$version")
set(CPACK_INSTALLED_DIRECTORIES "$stage;/")
set(CPACK_PACKAGING_INSTALL_PREFIX "/")
set(CPACK_PACKAGE_DIRECTORY "$work/cpack")
set(CPACK_PACKAGE_FILE_NAME "arxiv-sanity_${version}_${arch}")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "$arch")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What the scripts and units run, besides the libraries: make and sqlite3 (the pipeline
# wrapper, its status), iptables (the port 80 redirect), systemd (units, sysusers, tmpfiles);
# libjs-katex: the KaTeX files serve sends from /usr/share/javascript/katex.
# deb-systemd-helper comes from init-system-helpers, which is Essential.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "make, sqlite3, iptables, systemd, libjs-katex")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGE_CONTACT "arxiv-sanity-cpp <arxiv-sanity-cpp@users.noreply.github.com>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "arxiv-sanity-cpp <arxiv-sanity-cpp@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "arXiv paper search, similar papers and recommendations")
set(CPACK_PACKAGE_DESCRIPTION "A C++ re-creation of arxiv-sanity-preserver: a daily pipeline
(fetch, download, pdf2txt, thumb, analyze, buildsvm, sync; a systemd timer)
keeps a local library of arXiv papers, and serve publishes it as a web site
with accounts, saved papers and per-user recommendations (a systemd service,
port 80 by an iptables redirect).")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "$work/postinst;$work/prerm;$work/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
EOF
say "cpack (DEB)"
(cd "$work" && cpack --config "$work/CPackConfig.cmake" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; exit 1; }
made=$(find "$work/cpack" -maxdepth 1 -name '*.deb' | head -n1)
[ -n "$made" ] || { cat "$work/cpack.log" >&2; echo "package: cpack made no .deb" >&2; exit 1; }
deb="$out/arxiv-sanity_${version}_${arch}.deb"
mv "$made" "$deb"
say "wrote $deb"
dpkg-deb -f "$deb" Depends | sed 's/^/package: Depends: /'

# 5. lintian: errors fail the build (warnings are printed).
if [ "$lintian" -eq 1 ]; then
  command -v lintian >/dev/null ||
    { echo "package: lintian is missing (scripts/install-deps.sh --test installs it)" >&2; exit 1; }
  lintian_out=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
  [ -z "$lintian_out" ] || while IFS= read -r line; do echo "package: lintian: $line"; done <<<"$lintian_out"
  if echo "$lintian_out" | grep -q '^E: '; then
    echo "package: lintian reports errors" >&2
    exit 1
  fi
  say "lintian: no errors"
fi
