#!/usr/bin/env bash
# ansible-builder build of execution-environment.yml with podman, offline: the project's Debian base
# image, the collections from this collection's tarball and the `ansible` package, the wheels fetched
# on the host and served to the build on loopback (scripts/ee/prepare_offline.py says why).
#   scripts/ee/build_offline.sh [TAG]     (default localhost/mlops/aws-deploy-ee:offline)
# Needs `make collection` and `make images-bootstrap` first; run it under flock /tmp/stack.lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/images/common.sh
tag=${1:-localhost/mlops/aws-deploy-ee:offline}
out=$BUILD_DIR/ee
py=.venv/bin/python

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
wheels=$($py scripts/ee/prepare_offline.py --out "$out" --base-image "$BASE_IMAGE" \
  --wheels-url "http://127.0.0.1:$port/" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2) | tail -1)

$py -m http.server --bind 127.0.0.1 --directory "$wheels" "$port" >"$out/wheels-server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do  # bounded: 5 s
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.1
done

log "ansible-builder build -t $tag (base $BASE_IMAGE)"
started=$(date +%s)
rm -rf "$out/context"
.venv/bin/ansible-builder build -f "$out/execution-environment.yml" -c "$out/context" -t "$tag" \
  --container-runtime podman --extra-build-cli-args "--network host" -v 2 >"$out/build.log" 2>&1 ||
  { tail -60 "$out/build.log" >&2; log "build failed: $out/build.log"; exit 1; }
log "built $tag in $(( $(date +%s) - started )) s ($(podman image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}'))"
