#!/usr/bin/env bash
# Debian's docker-registry (distribution 2.8) on loopback: the offline stand-in for ECR.
#   scripts/images/registry.sh start    start it (reuse it when its recorded PID still answers)
#   scripts/images/registry.sh stop     stop it by its PID, wait for it, remove its blobs and config
#   scripts/images/registry.sh status
# Config, PID, log and blobs live under .build/registry/; REGISTRY_ADDR (default 127.0.0.1:5000).
set -euo pipefail
source "$(dirname "$0")/common.sh"

PIDFILE=$REGISTRY_DIR/registry.pid
START_TIMEOUT=${REGISTRY_START_TIMEOUT:-15}

alive() {  # a zombie counts as stopped: PID 1 here does not reap orphans
  local pid=$1
  [ -n "$pid" ] && [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}
answers() { curl -fs -o /dev/null --max-time 2 "http://$REGISTRY_ADDR/v2/"; }
pid() { cat "$PIDFILE" 2>/dev/null || true; }

start() {
  if alive "$(pid)" && answers; then
    echo "registry at http://$REGISTRY_ADDR (pid $(pid))"
    return 0
  fi
  command -v docker-registry >/dev/null || { log "docker-registry is missing: run scripts/bootstrap_images.sh"; exit 1; }
  if answers; then
    log "something else already answers on $REGISTRY_ADDR; stop it or set REGISTRY_ADDR"
    exit 1
  fi
  mkdir -p "$REGISTRY_DIR/data"
  cat > "$REGISTRY_DIR/config.yml" <<CONF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
CONF
  setsid docker-registry serve "$REGISTRY_DIR/config.yml" >>"$REGISTRY_DIR/registry.log" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
  for _ in $(seq $((START_TIMEOUT * 5))); do
    if answers; then
      echo "registry at http://$REGISTRY_ADDR (pid $(pid))"
      return 0
    fi
    alive "$(pid)" || break
    sleep 0.2
  done
  log "the registry did not answer on $REGISTRY_ADDR within ${START_TIMEOUT}s:"
  tail -5 "$REGISTRY_DIR/registry.log" >&2 || true
  stop >/dev/null
  exit 1
}

stop() {
  local pid
  pid=$(pid)
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    # Reap it when it is our child; otherwise wait until it is gone or a zombie.
    wait "$pid" 2>/dev/null || true
    echo "registry stopped (pid $pid)"
  else
    echo "registry was not running"
  fi
  rm -rf "$REGISTRY_DIR"
}

status() {
  if alive "$(pid)" && answers; then echo "registry at http://$REGISTRY_ADDR (pid $(pid))"; else echo "registry is not running"; return 1; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
