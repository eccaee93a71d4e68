#!/usr/bin/env bash
# Fetch a service's wheels on the host (pip inside a build cannot verify this network's proxy CA),
# so that services/Dockerfile installs them with `--no-index --find-links /wheels`.
#   scripts/images/wheels.sh services/backend-api [services/ml-model-service ...]
# Wheels are for the image's Python (CPython 3.11, manylinux x86_64) and land in <service>/wheels/;
# a stamp (hash of requirements.txt and the target) skips the download when nothing changed.
# The services' shared kit (services/common) is built into each service's wheels/ as well, again
# only when its sources changed; services/Dockerfile installs it from there.
set -euo pipefail
source "$(dirname "$0")/common.sh"

PIP=${PIP:-python3.11 -m pip}
TARGET=(--only-binary=:all: --implementation cp --python-version 3.11 --abi cp311
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
        --platform manylinux_2_28_x86_64 --platform linux_x86_64)

KIT=$REPO_ROOT/services/common
kit_hash() { (cd "$KIT" && find pyproject.toml service_kit -name '*.py' -o -name pyproject.toml | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16; }

build_kit() {
  local wheels=$1 stamp
  stamp=$(kit_hash)
  if [ "$(cat "$wheels/.kit-stamp" 2>/dev/null)" = "$stamp" ] && compgen -G "$wheels/service_kit-*.whl" >/dev/null; then
    return
  fi
  log "pip wheel services/common -> $wheels"
  rm -f "$wheels"/service_kit-*.whl
  # shellcheck disable=SC2086
  $PIP wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$wheels" "$KIT" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  rm -rf "$KIT/build"
  echo "$stamp" > "$wheels/.kit-stamp"
}

for service in "$@"; do
  requirements=$service/requirements.txt
  [ -f "$requirements" ] || { log "$requirements is missing"; exit 1; }
  wheels=$service/wheels
  mkdir -p "$wheels"
  stamp=$(printf '%s\n' "$(sha256sum < "$requirements")" "${TARGET[*]}" | sha256sum | cut -c1-16)
  build_kit "$wheels"
  if [ "$(cat "$wheels/.stamp" 2>/dev/null)" = "$stamp" ]; then
    continue
  fi
  log "pip download $requirements -> $wheels"
  # shellcheck disable=SC2086
  $PIP download --quiet --disable-pip-version-check --dest "$wheels" "${TARGET[@]}" -r "$requirements" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$stamp" > "$wheels/.stamp"
done
