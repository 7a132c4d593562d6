#!/usr/bin/env bash
# The daily job (deploy/geobundle-refresh.timer, or deploy/crontab): refresh the
# Wikipedia facts in the source DuckDB, then build, verify and publish the next
# patch release so the fresh facts reach nginx and the CDN.
#
# Pages that failed keep their last good data, so a partly failed refresh still
# releases (never worse than the last release) but the job exits non-zero to be
# noticed. A refresh that aborted before writing the database (no summary)
# releases nothing. Configuration comes from the environment, as for the CLI:
# GEOBUNDLE_DB, GEOBUNDLE_RELEASES, GEOBUNDLE_CACHE, GEOBUNDLE_CONTACT;
# GEOBUNDLE_SET_CURRENT=0 builds without making the release current;
# GEOBUNDLE_KEEP (default 30) is how many releases prune keeps.
# Extra arguments go to refresh-wikipedia (e.g. --api-base, --force).
# See docs/wikipedia-refresh.md.
set -uo pipefail
cd "$(dirname "$0")/.."

releases="${GEOBUNDLE_RELEASES:-releases}"
geobundle() { node bin/geobundle.js "$@"; }
log() { printf 'refresh-and-release: %s\n' "$*" >&2; }

# One run at a time: a manual run and the timer must not race for a version number.
mkdir -p "$releases"
exec 9>"$releases/.refresh-and-release.lock"
if ! flock -n 9; then
  log "another run holds $releases/.refresh-and-release.lock; nothing to do"
  exit 0
fi

summary="$(mktemp)"
trap 'rm -f "$summary"' EXIT
refresh_status=0
geobundle refresh-wikipedia --class congressional_districts --json "$@" >"$summary" || refresh_status=$?
if [[ ! -s "$summary" ]]; then
  log "refresh-wikipedia aborted (exit $refresh_status) before writing the database; no release built"
  exit "$refresh_status"
fi
(( refresh_status == 0 )) || log "refresh-wikipedia: some pages failed (exit $refresh_status); releasing with their last good data"

version="$(geobundle next-version --releases "$releases")" || exit 1
log "building $version"
geobundle build-release "$version" --releases "$releases" || exit $?
if [[ "${GEOBUNDLE_SET_CURRENT:-1}" != 0 ]]; then
  geobundle set-current "$version" --releases "$releases" || exit $?
  log "$version is current"
fi
# Retention: the newest GEOBUNDLE_KEEP releases (and the current one) stay; files they share
# with the removed ones stay too (geobundle prune never removes a path a kept release lists).
geobundle prune --keep "${GEOBUNDLE_KEEP:-30}" --releases "$releases" >&2 || exit $?
exit "$refresh_status"
