#!/usr/bin/env bash
# Stop and remove exactly the containers the local runtime recorded (one JSON file each under
# .build/local-runtime/: id, conmon PID, PID), wait for their processes, remove the records.
#   scripts/images/containers_down.sh [RECORD_DIR]
set -euo pipefail
source "$(dirname "$0")/common.sh"
records=${1:-$BUILD_DIR/local-runtime}
[ -d "$records" ] || { echo "no local containers recorded"; exit 0; }

alive() { [ -n "$1" ] && [ "$1" != 0 ] && [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

for record in "$records"/*.json; do
  [ -e "$record" ] || continue
  read -r id name conmon pid < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["id"], d["name"], d.get("conmon_pid", 0), d.get("pid", 0))' "$record")
  if podman container exists "$id"; then
    # The recorded PIDs may be stale (a restart); ask podman for the current ones.
    read -r conmon pid < <(podman inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' "$id")
    podman rm --force --time 10 "$id" >/dev/null
    echo "stopped container $name (${id:0:12})"
  fi
  for p in "$pid" "$conmon"; do
    for _ in $(seq 50); do alive "$p" || break; sleep 0.2; done
    if alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  rm -f "$record"
done
rmdir "$records" 2>/dev/null || true
