#!/usr/bin/env bash
# Run every test of the app (API, worker, web unit, web end-to-end) plus the
# linters. Installs what is missing first, so it works on a fresh Debian 12
# machine (as root) and on later runs (installs are skipped when up to date).
#
#   bash app/scripts/test.sh
#
# Environment knobs: PYTHON (interpreter for the venv, default python3.11 or
# python3), CHROMIUM_PATH (default /usr/bin/chromium), SKIP_LINT=1.
set -euo pipefail

APP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT_DIR="$(dirname "$APP_DIR")"
API_DIR="$APP_DIR/api"
WEB_DIR="$APP_DIR/web"
VENV="$APP_DIR/.venv"
export NEXT_TELEMETRY_DISABLED=1
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
export PYTHONDONTWRITEBYTECODE=1
# The runtime tests read the program's rendered task definitions from here (one file a stack).
export APP_TASKDEFS_DIR="$APP_DIR/.taskdefs"
# Here a missing prerequisite of a test (sandbox, task definitions, web build) is a failure.
export APP_TESTS_STRICT=1

log() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

# --- system packages ----------------------------------------------------------
need_apt=()
pkg_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
for pkg in postgresql redis-server chromium bubblewrap; do
  pkg_installed "$pkg" || need_apt+=("$pkg")
done

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
if [[ -z "$PYTHON" ]]; then
  need_apt+=(python3 python3-venv)
  PYTHON=python3
elif [[ "$(readlink -f "$PYTHON")" == /usr/bin/* ]] && ! pkg_installed python3-venv; then
  need_apt+=(python3-venv)   # Debian's own Python needs it for `python3 -m venv`
fi

if ((${#need_apt[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "missing packages: ${need_apt[*]} (run as root or install them first)" >&2
    exit 1
  fi
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python 3.11+ is required ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
command -v node >/dev/null || { echo "Node.js 20.9+ is required (not found)" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' \
  || { echo "Node.js 20.9+ is required (found $(node -v))" >&2; exit 1; }

# --- Python venv (re-installed only when the pins change) --------------------
req_hash="$(cat "$API_DIR/requirements.txt" "$API_DIR/requirements-dev.txt" | sha256sum | cut -d' ' -f1)"
if [[ ! -x "$VENV/bin/python" ]] || [[ "$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)" != "$req_hash" ]]; then
  log "creating venv and installing pinned Python packages"
  [[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
  # (the filter drops pip's notes about this machine's absent local wheel folders)
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$API_DIR/requirements-dev.txt" 2>&1 \
    | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$req_hash" > "$VENV/.requirements.sha256"
fi

# --- npm (npm ci only when the lock file changed) -----------------------------
lock_hash="$(sha256sum "$WEB_DIR/package-lock.json" | cut -d' ' -f1)"
if [[ "$(cat "$WEB_DIR/node_modules/.lock.sha256" 2>/dev/null || true)" != "$lock_hash" ]]; then
  log "npm ci"
  (cd "$WEB_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$WEB_DIR/node_modules/.lock.sha256"
fi

# --- infrastructure venv (renders the task definitions the app's tests run) ---
if [[ ! -x "$ROOT_DIR/.venv/bin/python" ]]; then
  log "creating the infrastructure venv (.venv) to render the task definitions"
  (source "$ROOT_DIR/scripts/_venv.sh" && ensure_venv requirements-dev.txt)
fi

# --- run everything, remember failures -----------------------------------------
failed=()
passed=()
step() {
  local name="$1"; shift
  log "$name"
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
}

if [[ "${SKIP_LINT:-}" != "1" ]]; then
  step "ruff check" bash -c "cd '$API_DIR' && '$VENV/bin/ruff' check ."
  step "ruff format --check" bash -c "cd '$API_DIR' && '$VENV/bin/ruff' format --check ."
  step "mypy" bash -c "cd '$API_DIR' && '$VENV/bin/mypy'"
  step "hadolint" "$VENV/bin/hadolint" "$API_DIR/Dockerfile" "$WEB_DIR/Dockerfile"
  step "shell syntax" bash "$APP_DIR/scripts/check-shell.sh" "$APP_DIR/scripts/test.sh" \
    "$APP_DIR/scripts/check-shell.sh" "$WEB_DIR/scripts/upload-static.sh"
fi

for stack in dev prod; do
  step "render the $stack task definitions (stackctl taskdefs)" \
    bash -c "cd '$ROOT_DIR' && .venv/bin/python -m stackctl taskdefs --stack $stack --json '$APP_TASKDEFS_DIR/$stack.json'"
done

step "web unit tests" bash -c "cd '$WEB_DIR' && npm test --silent"

# Built before pytest: the runtime tests run the standalone server as the web task definition says.
if step "next build (standalone)" bash -c "cd '$WEB_DIR' && rm -rf .next && npm run build --silent"; then
  step "web typecheck" bash -c "cd '$WEB_DIR' && npx --no-install tsc --noEmit"
fi

step "pytest (api, worker, migration and web as their task definitions; PostgreSQL, Redis)" \
  bash -c "cd '$API_DIR' && '$VENV/bin/python' -m pytest -p no:cacheprovider"

# moto's cognito-idp stands for the stack's user pool in the end-to-end test (sign-in through the
# page, tokens the API verifies); stopped when this script exits.
start_moto() {
  local port
  port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # TOTP on: moto then checks MFA codes against its (single, fixed) TOTP secret, so the
  # end-to-end test must type a real code computed from the secret the page shows.
  MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true \
    "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$APP_DIR/.moto.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/data.json', timeout=1)" 2>/dev/null; then
      export E2E_COGNITO_ENDPOINT="http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "moto_server did not start (see $APP_DIR/.moto.log)" >&2
  return 1
}
MOTO_PID=""
trap '[[ -n "$MOTO_PID" ]] && kill "$MOTO_PID" 2>/dev/null; true' EXIT

if [[ -f "$WEB_DIR/.next/standalone/server.js" ]] && step "start moto_server (cognito-idp)" start_moto; then
  step "web end-to-end (Chromium -> Next.js -> API -> PostgreSQL; sign-in with moto's cognito-idp)" \
    bash -c "cd '$WEB_DIR' && PYTHON='$VENV/bin/python' npm run test:e2e --silent"
elif [[ -f "$WEB_DIR/.next/standalone/server.js" ]]; then
  failed+=("web end-to-end (not run: moto_server did not start)")
else
  failed+=("web end-to-end (not run: build failed)")
fi

# The local dev loop (python -m stackctl dev) for real, on free ports: PostgreSQL, Redis, the
# migration, api, worker and `next dev`; a note, its summary job, then SIGINT stops every process.
step "stackctl dev (local dev loop, real PostgreSQL/Redis/next dev)" \
  bash -c "cd '$ROOT_DIR' && DEV_APP_PYTHON='$VENV/bin/python' .venv/bin/python -m pytest -q -p no:cacheprovider tests/tools/test_dev_live.py"

log "summary after $((SECONDS - started)) s"
for s in "${passed[@]}"; do echo "  ok      $s"; done
for s in "${failed[@]}"; do echo "  FAILED  $s"; done
if ((${#failed[@]})); then
  exit 1
fi
echo "all app checks passed"
