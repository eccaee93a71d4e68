# Shared by the scripts in scripts/images/: where the project keeps its container state.
# Sourced, not run. Everything lives inside the repository:
#   .build/containers/   podman's project-local configuration and run root (state; make down removes it)
#   .build/registry/     the local registry's config, PID and blobs (state; make down removes it)
#   .cache/containers/   podman's image store: layers are a cache, kept across make down
#   .cache/images/       the debootstrap base image tarball
# shellcheck shell=bash
REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/.build}
CACHE_DIR=${CACHE_DIR:-$REPO_ROOT/.cache}
CONTAINERS_DIR=$BUILD_DIR/containers
REGISTRY_DIR=$BUILD_DIR/registry
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
BASE_IMAGE=${BASE_IMAGE:-localhost/mlops/python:3.11-bookworm}

export CONTAINERS_CONF=$CONTAINERS_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$CONTAINERS_DIR/storage.conf
export CONTAINERS_REGISTRIES_CONF=$CONTAINERS_DIR/registries.conf

log() { echo "images: $*" >&2; }
