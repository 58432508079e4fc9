#!/usr/bin/env bash
# Stop what ops/cluster/up.sh started (same CLUSTER_NGINX_PORT / CLUSTER_DIR) and delete its data.
cd "$(dirname "$0")/../.."
: "${CLUSTER_NGINX_PORT:=5900}"
: "${CLUSTER_DIR:=/tmp/loanwhy-cluster-$CLUSTER_NGINX_PORT}"
[ -d "$CLUSTER_DIR" ] || exit 0
stop_pid() {  # pid file
  local pid; pid=$(cat "$1" 2>/dev/null) || return 0  # gone already (nginx -s quit removes its own)
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}
[ -f "$CLUSTER_DIR/nginx/nginx.pid" ] && nginx -c "$CLUSTER_DIR/nginx/nginx.conf" -p "$CLUSTER_DIR/nginx" -s quit 2>/dev/null
stop_pid "$CLUSTER_DIR/nginx/nginx.pid"
for f in "$CLUSTER_DIR"/run/rasa-*.pid "$CLUSTER_DIR/run/actions.pid" "$CLUSTER_DIR/run/redis.pid"; do stop_pid "$f"; done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -f "$CLUSTER_DIR/pg/postmaster.pid" ]; then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/pg" -m fast -w stop >/dev/null
  else "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/pg" -m fast -w stop >/dev/null; fi
fi
[ "${KEEP_CLUSTER_DATA:-0}" = 1 ] || rm -rf "$CLUSTER_DIR"
echo "cluster stopped"
