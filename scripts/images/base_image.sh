#!/usr/bin/env bash
# The Python base image for offline builds, in the layout of python:3.11-slim (python and pip in
# /usr/local/bin, packages in /usr/local/lib/python3.11/site-packages), made with debootstrap
# because no image registry is reachable. The rootfs tarball is cached under .cache/images/ (named
# by a hash of this recipe), and `podman import`ed into the project-local store when missing.
#   scripts/images/base_image.sh            build/import when needed, print the image name
#   scripts/images/base_image.sh --rebuild  ignore the cached tarball
set -euo pipefail
source "$(dirname "$0")/common.sh"

SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=python3,python3-venv,ca-certificates
recipe=$(printf '%s\n' "$SUITE" "$PACKAGES" "$(sed -n '/^# recipe-start/,/^# recipe-end/p' "$0")" | sha256sum | cut -c1-12)
tarball=$CACHE_DIR/images/python3.11-$SUITE-$recipe.tar

[ -f "$CONTAINERS_CONF" ] || "$(dirname "$0")/configure.sh"
[ "${1:-}" = --rebuild ] && rm -f "$tarball"

if podman image exists "$BASE_IMAGE" &&
   [ "$(podman image inspect --format '{{ index .Labels "mlops.recipe" }}' "$BASE_IMAGE")" = "$recipe" ]; then
  echo "$BASE_IMAGE"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing: run scripts/bootstrap_images.sh"; exit 1; }
  mkdir -p "$(dirname "$tarball")"
  rootfs=$(mktemp -d "$CACHE_DIR/images/rootfs.XXXXXX")
  trap 'rm -rf "$rootfs"' EXIT
  log "debootstrap $SUITE ($PACKAGES) into $rootfs (about 40 s)"
  started=$(date +%s)
# recipe-start
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1 ||
    { tail -20 "$rootfs.log" >&2; exit 1; }
  # python:3.11-slim's layout: an environment at /usr/local whose python and pip come first on PATH.
  chroot "$rootfs" /usr/bin/python3 -m venv /usr/local
  chroot "$rootfs" /usr/local/bin/python -m pip --version >/dev/null
  ln -sf python3 "$rootfs/usr/bin/python"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs"/tmp/*
  find "$rootfs/usr/lib/python3.11" -name __pycache__ -prune -exec rm -rf {} +
# recipe-end
  rm -f "$rootfs.log"
  tar --numeric-owner -C "$rootfs" -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  log "base rootfs cached in $tarball ($(du -h "$tarball" | cut -f1), $(( $(date +%s) - started )) s)"
fi

log "importing $tarball as $BASE_IMAGE"
podman import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
  --change "LABEL mlops.recipe=$recipe" \
  --change 'CMD ["python3"]' \
  --quiet "$tarball" "$BASE_IMAGE" >/dev/null
echo "$BASE_IMAGE"
