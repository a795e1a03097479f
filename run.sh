#!/usr/bin/env bash
# One entry point that sets everything up on a fresh machine, then runs:
#   ./run.sh demo          ingest samples/ and export to output/ (the main job)
#   ./run.sh test [ARGS]   the whole test suite, as CI runs it (ARGS go to pytest)
#   ./run.sh setup         only the set-up
# Set-up is idempotent and quick when nothing changed: system packages
# (LibreOffice for .doc, tesseract with Vietnamese for scans, Chromium for the
# review-page tests, PostgreSQL server binaries) through apt-get when missing
# and running as root (MINUTES_SKIP_APT=1 skips), then a virtualenv in .venv
# with the project installed in editable mode.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV=${MINUTES_VENV:-$ROOT/.venv}

log() { printf '\033[1m[run.sh]\033[0m %s\n' "$*" >&2; }

need_apt=()
check_system() {
  command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)
  command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
  { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; } || need_apt+=(tesseract-ocr-vie)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)
  { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || need_apt+=(postgresql)
}

setup_system() {
  check_system
  if [ ${#need_apt[@]} -eq 0 ]; then return; fi
  if [ "${MINUTES_SKIP_APT:-0}" = 1 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing system packages: ${need_apt[*]} (install them with apt-get; features that need them report a clear error)"
    return
  fi
  log "installing system packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
}

setup_python() {
  local stamp="$VENV/.minutes-installed"
  local want
  want=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/minutes" ]; then return; fi
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  log "installing Python packages (first time takes a few minutes)"
  mkdir -p output
  if ! { "$VENV/bin/python" -m pip install -q --upgrade pip && "$VENV/bin/python" -m pip install -q -e ".[test]"; } \
      > output/pip-install.log 2>&1; then
    tail -30 output/pip-install.log >&2
    log "pip install failed (full log: output/pip-install.log)"
    exit 1
  fi
  "$VENV/bin/python" -c "import pipeline, extractors, flows, underthesea, spacy, prefect" \
    || { log "Python set-up failed"; exit 1; }
  echo "$want" > "$stamp"
}

setup() { setup_system; setup_python; }

cmd=${1:-help}
shift || true
case "$cmd" in
  setup) setup ;;
  demo)
    setup
    export PATH="$VENV/bin:$PATH"
    minutes ingest samples/ "$@"
    minutes export --format json --out output/json
    minutes export --format csv --out output/csv
    log "records in output/minutes.db, JSON in output/json/, CSV in output/csv/; try: minutes show samples/bao_cao_so_ket_neu_guong.txt"
    ;;
  test)
    setup
    export PATH="$VENV/bin:$PATH"
    if [ -x scripts/pg_ephemeral.sh ] && [ -z "${MINUTES_TEST_PG_URL:-}" ]; then
      # a throwaway PostgreSQL server for the database tests, stopped on exit
      eval "$(scripts/pg_ephemeral.sh start)"
      trap 'scripts/pg_ephemeral.sh stop >/dev/null 2>&1 || true' EXIT
    fi
    set +e
    "$VENV/bin/python" -m pytest -m "" -p no:cacheprovider "$@"
    rc=$?
    set -e
    if [ $rc -eq 5 ]; then log "pytest collected no tests"; rc=0; fi
    exit $rc
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    [ "$cmd" = help ] || exit 2
    ;;
esac
