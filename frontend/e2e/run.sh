#!/usr/bin/env bash
# End-to-end test: builds the app, starts the real API (serving frontend/dist) and worker on a
# free loopback port with a throw-away SQLite database and storage folder, runs the Playwright
# tests in Debian's Chromium, then stops both processes.
#
#   bash e2e/run.sh            (from frontend/; E2E_SKIP_BUILD=1 reuses an existing dist/)
set -euo pipefail

FRONTEND="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(git -C "$FRONTEND" rev-parse --show-toplevel 2>/dev/null || (cd "$FRONTEND/.." && pwd))"
BACKEND="$REPO/backend"
export SAMPLE_KML="${SAMPLE_KML:-$REPO/backend/app/samples/sample-site.kml}"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export CHROMIUM_PATH

[ -f "$SAMPLE_KML" ] || { echo "e2e: sample KML not found at $SAMPLE_KML" >&2; exit 1; }
[ -x "$CHROMIUM_PATH" ] || { echo "e2e: Chromium not found at $CHROMIUM_PATH (apt-get install -y chromium)" >&2; exit 1; }
[ -x "$BACKEND/.venv/bin/python" ] || { echo "e2e: backend venv missing at $BACKEND/.venv" >&2; exit 1; }

cd "$FRONTEND"
if [ "${E2E_SKIP_BUILD:-0}" != "1" ]; then
  npm run build
fi
[ -f dist/index.html ] || { echo "e2e: frontend/dist is missing; run npm run build" >&2; exit 1; }

PY="$BACKEND/.venv/bin/python"
PORT="${E2E_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/sitelayouts-e2e.XXXXXX")"
API_PID=""
WORKER_PID=""

cleanup() {
  local rc=$?
  for pid in $WORKER_PID $API_PID; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in $WORKER_PID $API_PID; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    echo "---- api log (tail) ----" >&2; tail -n 60 "$TMP/api.log" >&2 2>/dev/null || true
    echo "---- worker log (tail) ----" >&2; tail -n 60 "$TMP/worker.log" >&2 2>/dev/null || true
  fi
  if [ "${E2E_KEEP_TMP:-0}" != "1" ]; then rm -rf "$TMP"; else echo "e2e: kept $TMP" >&2; fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

export DATABASE_URL="sqlite:///$TMP/e2e.db"
export STORAGE_DIR="$TMP/storage"
export ENABLE_ASYNC_LAYOUT_GENERATION=true
export DEM_SOURCE=flat
export JWT_SECRET="${JWT_SECRET:-e2e-only-secret-$(date +%s%N)}"
# Slow each job stage a little so a person (and the test) can see progress and cancel a job.
export JOB_STAGE_DELAY_S="${JOB_STAGE_DELAY_S:-0.4}"
export QUEUE_WAIT_TIME_S="${QUEUE_WAIT_TIME_S:-1}"
export RATE_LIMIT_AUTH_PER_MIN=1000 RATE_LIMIT_GENERATE_PER_MIN=1000
mkdir -p "$STORAGE_DIR"

cd "$BACKEND"
"$BACKEND/.venv/bin/sitelayouts" db upgrade > "$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; exit 1; }

# An admin account for the ops page (admins are not created through the API).
export E2E_ADMIN_EMAIL="admin-e2e@example.com" E2E_ADMIN_PASSWORD="admin-e2e-password"
"$PY" - <<'PYEOF' >> "$TMP/migrate.log" 2>&1 || echo "e2e: could not create the admin account; the ops test will be skipped" >&2
import os
from app.auth.passwords import hash_password
from app.config import get_settings
from app.db.models import User
from app.db.session import make_engine, make_session_factory, session_scope

engine = make_engine(get_settings().database_url)
with session_scope(make_session_factory(engine)) as session:
    session.add(User(email=os.environ["E2E_ADMIN_EMAIL"], password_hash=hash_password(os.environ["E2E_ADMIN_PASSWORD"]), is_admin=True))
engine.dispose()
PYEOF

"$BACKEND/.venv/bin/uvicorn" app.main:app --host 127.0.0.1 --port "$PORT" > "$TMP/api.log" 2>&1 &
API_PID=$!
"$PY" -m app.worker > "$TMP/worker.log" 2>&1 &
WORKER_PID=$!

BASE="http://127.0.0.1:$PORT"
echo "e2e: API on $BASE (pid $API_PID), worker pid $WORKER_PID, data in $TMP"
ready=0
for _ in $(seq 1 120); do
  if ! kill -0 "$API_PID" 2>/dev/null; then echo "e2e: the API exited" >&2; exit 1; fi
  if "$PY" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('$BASE/health/ready', timeout=2).status == 200 else 1)" 2>/dev/null; then
    ready=1; break
  fi
  sleep 0.5
done
[ "$ready" = 1 ] || { echo "e2e: API not ready after 60 s" >&2; exit 1; }
kill -0 "$WORKER_PID" 2>/dev/null || { echo "e2e: the worker exited" >&2; exit 1; }

cd "$FRONTEND"
E2E_BASE_URL="$BASE" npx --no-install playwright test --config e2e/playwright.config.ts "$@"
