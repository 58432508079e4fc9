#!/usr/bin/env bash
# Run the held-out evaluation against the assistant, starting it if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}"
if ! curl -sf "http://127.0.0.1:$RASA_PORT/" >/dev/null; then scripts/run.sh; fi
PYTHONPATH="$PWD" .venv/bin/python scripts/eval.py --url "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" "$@"
if [ -f eval/fresh/cases.yml ]; then
  echo; echo "== fresh held-out set (never used for tuning) =="
  PYTHONPATH="$PWD" .venv/bin/python scripts/eval.py --url "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" --set eval/fresh --skip-nlu
fi
