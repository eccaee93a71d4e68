#!/usr/bin/env bash
# Everything offline image builds need on a Debian machine, installed only when missing:
# podman, buildah, skopeo, runc, debootstrap, docker-registry, haproxy (the live load balancer) (apt), podman's project-local
# configuration (.build/containers/) and the debootstrap Python base image (cached in .cache/images/).
# Safe to re-run; a warm run takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/images/common.sh

declare -A package_of=(
  [podman]=podman [buildah]=buildah [skopeo]=skopeo [runc]=runc
  [debootstrap]=debootstrap [docker-registry]=docker-registry [curl]=curl [haproxy]=haproxy
)
missing=()
for command in "${!package_of[@]}"; do
  command -v "$command" >/dev/null || [ -x "/usr/sbin/$command" ] || missing+=("${package_of[$command]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  log "installing ${missing[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null
  fi
fi

scripts/images/configure.sh
scripts/images/base_image.sh >/dev/null
