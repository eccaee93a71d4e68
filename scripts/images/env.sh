#!/usr/bin/env bash
# Print `export` lines for the project-local podman configuration:
#   eval "$(scripts/images/env.sh)"; podman images
set -euo pipefail
source "$(dirname "$0")/common.sh"
for name in CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF; do
  printf 'export %s=%s\n' "$name" "${!name}"
done
