#!/usr/bin/env bash
# Story tests against the trained model; any wrong prediction fails.
set -euo pipefail
cd "$(dirname "$0")/.."
out=results/story-test
export LOANWHY_VAR="${LOANWHY_VAR:-var}"  # endpoints.yml's tracker store is ${LOANWHY_VAR}/tracker.db
mkdir -p "$out"
PYTHONPATH="$PWD" .venv/bin/rasa test core --stories tests/test_stories.yml --model models/loanwhy.tar.gz \
  --endpoints endpoints.yml --out "$out" --fail-on-prediction-errors --quiet
echo "story tests passed (report in $out)"
