#!/usr/bin/env bash
# Run the held-out evaluation against the assistant, starting it if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}"
if ! curl -sf "http://127.0.0.1:$RASA_PORT/" >/dev/null; then scripts/run.sh; fi
PYTHONPATH="$PWD" .venv/bin/python scripts/eval.py --url "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" "$@"
# eval/fresh*/: written apart from the training data; only their figures are looked at
for set in eval/fresh*/; do
  [ -f "$set/conversations.yml" ] || continue
  echo; echo "== held-out set ${set%/} (never used for tuning) =="
  PYTHONPATH="$PWD" .venv/bin/python scripts/eval.py --url "http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook" --set "${set%/}" --skip-nlu
done
