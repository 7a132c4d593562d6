#!/usr/bin/env bash
# Installs the Debian packages geobundle's serving, tests and benchmarks run
# for real (nginx with the brotli_static module, Chromium, wrk, GDAL, and
# Varnish for the CDN tests of deploy/varnish/), only those that are missing,
# so a fresh machine needs nothing installed by hand.
# Usage: scripts/install-system-deps.sh [serve|test|bench]   (default: test)
set -euo pipefail

want=(nginx-light libnginx-mod-http-brotli-static)
case "${1:-test}" in
  serve) ;;
  # Varnish: the CDN test runs deploy/varnish/geobundle.vcl; GDAL: the tests open the GIS files
  # (FlatGeobuf, GeoJSON) with it, locally and over HTTP.
  test) want+=(chromium varnish gdal-bin) ;;
  bench) want+=(wrk gdal-bin time) ;;
  *) echo "usage: $0 [serve|test|bench]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "geobundle needs these Debian packages: ${missing[*]} — run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
