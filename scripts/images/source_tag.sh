#!/usr/bin/env bash
# The image tag for the current sources: the commit's sha (12 characters, as the buildspecs), or, when PATHS (default:
# services/) have uncommitted changes or untracked files, `<sha>-dirty-<hash of those changes>`,
# so that a work tree never reuses a clean commit's tag and each distinct edit gets its own.
#   scripts/images/source_tag.sh [PATH...]
set -euo pipefail
cd "$(dirname "$0")/../.."
paths=("${@:-services}")
sha=$(git rev-parse --short=12 HEAD)
changes=$(
  git diff HEAD --binary -- "${paths[@]}"
  git ls-files --others --exclude-standard -z -- "${paths[@]}" | sort -z | xargs -0 -r sha256sum --
)
if [ -z "$changes" ]; then
  echo "$sha"
else
  echo "$sha-dirty-$(printf '%s' "$changes" | sha256sum | cut -c1-8)"
fi
