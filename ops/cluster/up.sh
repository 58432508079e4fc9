#!/usr/bin/env bash
# Start a two-process deployment on loopback: PostgreSQL (tracker store), Redis (lock
# store), one action server, N Rasa processes and nginx in front of them.
# Data lives in a throw-away folder ($CLUSTER_DIR); ops/cluster/down.sh stops it all.
# Needs Debian's postgresql, redis-server and nginx packages (see README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

: "${CLUSTER_NGINX_PORT:=5900}" "${CLUSTER_RASA_PORTS:=5901 5902}" "${CLUSTER_ACTION_PORT:=5955}"
: "${CLUSTER_PG_PORT:=5932}" "${CLUSTER_REDIS_PORT:=5979}" "${START_TIMEOUT:=300}"
: "${CLUSTER_DIR:=/tmp/loanwhy-cluster-$CLUSTER_NGINX_PORT}"
export CLUSTER_PG_HOST=127.0.0.1 CLUSTER_PG_DB=rasa CLUSTER_PG_USER=postgres CLUSTER_PG_PASSWORD=""
export CLUSTER_REDIS_HOST=127.0.0.1 CLUSTER_ACTION_HOST=127.0.0.1 CLUSTER_PG_PORT CLUSTER_REDIS_PORT CLUSTER_ACTION_PORT
export PYTHONPATH=$ROOT LOANWHY_VAR=$CLUSTER_DIR/var LOANWHY_APP_DB=$CLUSTER_DIR/var/app.sqlite
# the endpoints file of these Rasa processes; our tools find the PostgreSQL tracker store in it too
export LOANWHY_ENDPOINTS=$ROOT/ops/cluster/endpoints.yml
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
# every process must verify the socket.io session ids the others signed
export LOANWHY_SESSION_SECRET=${LOANWHY_SESSION_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
# nginx adds X-Forwarded-For, so the REST webhook behind it needs a token (SECURITY.md): kept in $CLUSTER_DIR/rest.token
export LOANWHY_REST_TOKEN=${LOANWHY_REST_TOKEN:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
# Rasa -> action server (actions/server.py refuses calls without it); operators -> version and store details
export LOANWHY_ACTION_TOKEN=${LOANWHY_ACTION_TOKEN:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export LOANWHY_OPERATOR_TOKEN=${LOANWHY_OPERATOR_TOKEN:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for tool in "$PGBIN/initdb" "$PGBIN/pg_ctl" redis-server nginx; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y postgresql redis-server nginx" >&2; exit 1; }
done
if [ -d "$CLUSTER_DIR" ]; then "$ROOT/ops/cluster/down.sh" >/dev/null 2>&1 || true; rm -rf "$CLUSTER_DIR"; fi
mkdir -p "$CLUSTER_DIR"/{run,log,var,pg,nginx}
chmod 755 "$CLUSTER_DIR"
RUN=$CLUSTER_DIR/run LOG=$CLUSTER_DIR/log
(umask 077; echo "$LOANWHY_REST_TOKEN" >"$CLUSTER_DIR/rest.token"; echo "$LOANWHY_OPERATOR_TOKEN" >"$CLUSTER_DIR/operator.token")

# PostgreSQL refuses to run as root: as root, run it as the 'postgres' user
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$CLUSTER_DIR/pg"
as_pg "$PGBIN/initdb" -D "$CLUSTER_DIR/pg" -U postgres --auth=trust -E UTF8 >"$LOG/initdb.log"
as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/pg" -l "$CLUSTER_DIR/pg/server.log" -w \
  -o "-p $CLUSTER_PG_PORT -c listen_addresses=127.0.0.1 -k $CLUSTER_DIR/pg -c max_connections=200" start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$CLUSTER_PG_PORT" -U postgres "$CLUSTER_PG_DB"

redis-server --port "$CLUSTER_REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" --dir "$CLUSTER_DIR"

"$ROOT/.venv/bin/python" -m loanwhy.cli check-stores --var "$LOANWHY_VAR"
"$ROOT/.venv/bin/python" -m loanwhy.cli build-kb >/dev/null  # the knowledge base in $LOANWHY_VAR

start() {  # name, command...
  local name=$1; shift
  nohup "$@" >>"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
SANIC_HOST=127.0.0.1 start actions "$ROOT/.venv/bin/python" -m actions.server --port "$CLUSTER_ACTION_PORT"
servers=""
for port in $CLUSTER_RASA_PORTS; do
  start "rasa-$port" "$ROOT/.venv/bin/rasa" run --model models/loanwhy.tar.gz --endpoints "$LOANWHY_ENDPOINTS" \
    --credentials ops/cluster/credentials.yml --port "$port" --interface 127.0.0.1
  servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done

sed -e "s#@PORT@#$CLUSTER_NGINX_PORT#" -e "s#@DIR@#$CLUSTER_DIR/nginx#g" ops/cluster/nginx.conf \
  | awk -v servers="$servers" '{ if ($0 ~ /@SERVERS@/) printf "%s", servers; else print }' >"$CLUSTER_DIR/nginx/nginx.conf"
nginx -t -q -c "$CLUSTER_DIR/nginx/nginx.conf" -p "$CLUSTER_DIR/nginx"
nginx -c "$CLUSTER_DIR/nginx/nginx.conf" -p "$CLUSTER_DIR/nginx"

for port in $CLUSTER_RASA_PORTS; do
  "$ROOT/.venv/bin/python" -m loanwhy.cli wait-ready --rasa "http://127.0.0.1:$port" \
    --actions "http://127.0.0.1:$CLUSTER_ACTION_PORT" --timeout "$START_TIMEOUT" >/dev/null \
    || { echo "rasa on $port did not start; see $LOG/" >&2; tail -n 20 "$LOG/rasa-$port.log" >&2; exit 1; }
done
echo "cluster up: http://127.0.0.1:$CLUSTER_NGINX_PORT/webhooks/rest/webhook (Rasa on $CLUSTER_RASA_PORTS; data in $CLUSTER_DIR)"
