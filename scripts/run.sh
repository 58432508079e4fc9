#!/usr/bin/env bash
# Start the action server, the Rasa server, the web page and the staff console in the background,
# wait until Rasa answers, send a warm-up message, print where to chat.
# Ports and the runtime folder can be changed through the environment.
set -euo pipefail
umask 077  # runtime files (logs, databases, tokens) private to the service user
cd "$(dirname "$0")/.."
: "${RASA_PORT:=5005}" "${ACTION_PORT:=5055}" "${WEB_PORT:=8000}" "${LOANWHY_VAR:=var}"
: "${RASA_INTERFACE:=127.0.0.1}" "${START_TIMEOUT:=180}" "${RASA_WORKERS:=1}"
: "${STAFF_PORT:=8001}" "${STAFF_HOST:=127.0.0.1}"  # the staff console: its own port, this machine only
export PYTHONPATH="$PWD" LOANWHY_VAR
RUN="$LOANWHY_VAR/run" LOG="$LOANWHY_VAR/log"
mkdir -p "$RUN" "$LOG"
PY=.venv/bin/python

"$PY" -m loanwhy.cli check-stores --var "$LOANWHY_VAR" || { echo "refusing to start: storage under $LOANWHY_VAR is not usable" >&2; exit 1; }
# the knowledge base and jieba dictionary of this runtime folder, from knowledge/ as it is now
# (a restart picks up knowledge edits; a fresh LOANWHY_VAR gets its own)
"$PY" -m loanwhy.cli build-kb >/dev/null || { echo "refusing to start: knowledge/ does not build" >&2; exit 1; }

# shared secrets, each made once per runtime folder (mode 0600) unless set in the environment:
# staff console -> Rasa (LOANWHY_STAFF_TOKEN), Rasa -> action server (LOANWHY_ACTION_TOKEN),
# operators -> version and store details (LOANWHY_OPERATOR_TOKEN, X-Operator-Token; SECURITY.md)
secret() {  # variable name, file name
  if [ -z "${!1:-}" ]; then
    local file="$LOANWHY_VAR/$2"
    [ -s "$file" ] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$file")
    printf -v "$1" '%s' "$(cat "$file")"
  fi
  export "${1?}"
}
secret LOANWHY_STAFF_TOKEN staff.token
secret LOANWHY_ACTION_TOKEN action.token
secret LOANWHY_OPERATOR_TOKEN operator.token

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
port_busy() { "$PY" -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"; }
start() {  # name, port, command...
  local name=$1 port=$2; shift 2
  if running "$name"; then echo "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  if port_busy "$port"; then
    echo "port $port is taken by another program: stop it or choose another port (see README, Configuration)" >&2
    exit 1
  fi
  nohup "$@" >>"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

# endpoints for this run: LOANWHY_ENDPOINTS (default endpoints.yml, where the tracker store is
# said once: loanwhy/endpoints.py reads it too) with the action server's port and token, readable
# by this user only; Rasa replaces ${LOANWHY_VAR} in it from the environment
ENDPOINTS="$RUN/endpoints.yml"
rm -f "$ENDPOINTS"
(
  umask 077
  sed -e "s#^\(  url: \"http://\)127.0.0.1:5055\(/webhook\"\)\$#\1127.0.0.1:$ACTION_PORT\2\n  token: \"$LOANWHY_ACTION_TOKEN\"#" \
    "${LOANWHY_ENDPOINTS:-endpoints.yml}" >"$ENDPOINTS"
  if [ "$RASA_WORKERS" -gt 1 ]; then  # several Rasa worker processes share conversation locks in SQLite
    printf 'lock_store:\n  type: trackers.sqlite_lock.SQLiteLockStore\n' >>"$ENDPOINTS"  # $LOANWHY_VAR/locks.sqlite
  fi
)
grep -q "^  token: " "$ENDPOINTS" || { echo "endpoints.yml: no action_endpoint url to add the token to" >&2; exit 1; }

# actions.server: rasa-sdk's server refusing calls without LOANWHY_ACTION_TOKEN (and non-JSON bodies)
SANIC_HOST=127.0.0.1 SANIC_KEEP_ALIVE_TIMEOUT=75 start actions "$ACTION_PORT" .venv/bin/python -m actions.server --port "$ACTION_PORT"
# CORS of Rasa's HTTP routes and of the socket (README, Configuration): the listed origins, by default
# only the widget page's own (the page on WEB_PORT talks to Rasa on RASA_PORT, another origin)
RASA_CORS=${LOANWHY_CORS_ORIGINS:-http://localhost:$WEB_PORT,http://127.0.0.1:$WEB_PORT}
IFS=, read -ra CORS_ORIGINS <<<"$RASA_CORS"
LOANWHY_CORS_ORIGINS=$RASA_CORS SANIC_WORKERS=$RASA_WORKERS start rasa "$RASA_PORT" .venv/bin/rasa run --model models/loanwhy.tar.gz --endpoints "$ENDPOINTS" \
  --credentials credentials.yml --port "$RASA_PORT" --interface "$RASA_INTERFACE" --cors "${CORS_ORIGINS[@]}"
if [ -f web/server.py ]; then
  # the public server needs no staff secret: it never sees the staff bridge token
  start web "$WEB_PORT" env -u LOANWHY_STAFF_TOKEN "$PY" -m web.server --port "$WEB_PORT" --rasa "http://localhost:$RASA_PORT"
fi
# the staff console apart from the public widget server; it reaches Rasa's staff bridge directly
if [ -f staff/server.py ]; then
  start staff "$STAFF_PORT" "$PY" -m staff.server --host "$STAFF_HOST" --port "$STAFF_PORT" --rasa "http://127.0.0.1:$RASA_PORT"
fi
case "$STAFF_HOST" in
  127.0.0.1 | localhost | ::1 | 0.0.0.0 | ::) STAFF_URL="http://localhost:$STAFF_PORT/staff/" ;;
  *:*) STAFF_URL="http://[$STAFF_HOST]:$STAFF_PORT/staff/" ;;
  *) STAFF_URL="http://$STAFF_HOST:$STAFF_PORT/staff/" ;;
esac

"$PY" -m loanwhy.cli wait-ready --rasa "http://127.0.0.1:$RASA_PORT" --actions "http://127.0.0.1:$ACTION_PORT" \
  --timeout "$START_TIMEOUT" || { echo "the assistant did not start; see $LOG/" >&2; tail -n 20 "$LOG/rasa.log" >&2; exit 1; }

cat <<MSG

The assistant is running.
  Web chat:     http://localhost:$WEB_PORT/
  REST webhook: curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
                  -d '{"sender": "me", "message": "我的贷款被拒了"}'
  Staff:        $STAFF_URL   (account: .venv/bin/python -m staff.cli add-user NAME)
  Terminal:     make shell        Stop: make stop        Logs: $LOG/
MSG
