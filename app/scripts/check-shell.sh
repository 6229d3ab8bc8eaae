#!/usr/bin/env bash
# Syntax-check every shell script named on the command line:
#   bash app/scripts/check-shell.sh a.sh b.sh ...
# (`bash -n a.sh b.sh` reads only a.sh: the other names become its positional parameters.)
set -uo pipefail
if (($# == 0)); then
  echo "usage: $0 SCRIPT..." >&2
  exit 2
fi
status=0
for script in "$@"; do
  if ! bash -n "$script"; then
    echo "shell syntax error in $script" >&2
    status=1
  fi
done
exit "$status"
