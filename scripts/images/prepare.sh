#!/usr/bin/env bash
# The inputs of an offline build, made only when missing or stale: podman's project-local
# configuration, the debootstrap base image, and each service's wheels.
#   scripts/images/prepare.sh services/backend-api services/ml-model-service
# Prints "images: ..." lines on stderr only for what it (re)made (playbooks/images.yml reports
# changed from them).
set -euo pipefail
here=$(dirname "$0")
"$here/configure.sh"
"$here/base_image.sh" >/dev/null
"$here/wheels.sh" "$@"
