#!/usr/bin/env bash
# Every evaluation set against the assistant, starting it if needed (`make eval`; `SETS="dev blind1"` to pick).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}"
if ! curl -sf "http://127.0.0.1:$RASA_PORT/" >/dev/null; then scripts/run.sh; fi
# shellcheck disable=SC2086
PYTHONPATH="$PWD" .venv/bin/python scripts/eval.py --url "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" ${SETS:-} "$@"
