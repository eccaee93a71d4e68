#!/usr/bin/env bash
# The image tag of a CodeBuild run: the source commit's first 12 characters, the tag
# scripts/images/source_tag.sh gives the same commit outside the pipeline (images.yml).
#   IMAGE_TAG="$(scripts/pipeline/image_tag.sh)"
# Where the commit comes from:
#   - a CodeStar source (OutputArtifactFormat CODEBUILD_CLONE_REF): CODEBUILD_RESOLVED_SOURCE_VERSION
#     is the commit id;
#   - an S3 source: CODEBUILD_RESOLVED_SOURCE_VERSION is the object's S3 VersionId (opaque, may hold
#     '/' or '+'), so the bundle carries its commit in .source-commit (playbooks/upload_source.yml
#     writes it).
# Anything else is refused: a tag that is not a commit would never match images.yml's.
set -euo pipefail
src=${CODEBUILD_SRC_DIR:-.}
resolved=${CODEBUILD_RESOLVED_SOURCE_VERSION:-}
if [[ $resolved =~ ^[0-9a-f]{40}$ ]]; then
  commit=$resolved
elif [ -f "$src/.source-commit" ]; then
  commit=$(tr -d '[:space:]' <"$src/.source-commit")
else
  echo "image_tag: cannot tell the source's commit: CODEBUILD_RESOLVED_SOURCE_VERSION is '$resolved' (not a commit id) and $src/.source-commit is missing; upload the source with playbooks/upload_source.yml" >&2
  exit 1
fi
if ! [[ $commit =~ ^[0-9a-f]{12,40}$ ]]; then
  echo "image_tag: '$commit' is not a commit id (12 to 40 lowercase hexadecimal characters)" >&2
  exit 1
fi
echo "${commit:0:12}"
