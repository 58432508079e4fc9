#!/usr/bin/env bash
# Stop what scripts/run.sh started (same LOANWHY_VAR).
cd "$(dirname "$0")/.."
RUN="${LOANWHY_VAR:-var}/run"
names="${*:-staff web rasa actions}"
for name in $names; do
  f="$RUN/$name.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped $name"
  fi
  rm -f "$f"
done
