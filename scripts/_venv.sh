# Sourced by scripts/test and scripts/plan: create .venv (Python 3.11+) and install pinned deps.
# Usage: ensure_venv <requirements-file>
# Every message goes to stderr, so that a command's stdout (`scripts/plan --json -`) stays clean
# on the first run too. pip's own lines (Collecting ..., Installing ...) show the progress of an
# install; a closing line gives the elapsed time.
set -euo pipefail

ensure_venv() {
  local requirements="$1" root python stamp started
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ ! -x "$root/.venv/bin/python" ]; then
    python=""
    for candidate in python3.13 python3.12 python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python="$candidate"
        break
      fi
    done
    if [ -z "$python" ]; then
      echo "Python 3.11 or newer is required (python3.11, python3.12 or python3.13)." >&2
      exit 1
    fi
    echo "==> creating .venv with $("$python" --version)" >&2
    "$python" -m venv "$root/.venv"
  fi
  # Reinstall only when the requirements changed since the last install.
  stamp="$root/.venv/.installed-$(basename "$requirements")"
  if [ ! -f "$stamp" ] || ! cmp -s <(cat "$root"/requirements*.txt) "$stamp"; then
    echo "==> installing $(basename "$requirements") into .venv (a first install takes several" \
      "minutes; pip lists each package as it goes)" >&2
    started=$SECONDS
    # pip's normal output names each package it collects and installs; it goes to stderr.
    "$root/.venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
      -r "$root/$requirements" >&2
    echo "==> installed $(basename "$requirements") in $((SECONDS - started)) s" >&2
    cat "$root"/requirements*.txt >"$stamp"
  fi
  # shellcheck disable=SC1091
  source "$root/.venv/bin/activate"
  cd "$root"
}
