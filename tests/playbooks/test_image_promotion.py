"""playbooks/promote_images.yml: build once, promote the tested image. The image an environment
tested is copied by digest into the next environment's repositories under the same tag; the same
image already there is a no-op; another image under that tag, or a tag the previous environment
never held, is refused with the tag named and nothing copied.

Both "environments" live in one local registry (Debian's docker-registry, started here on a free
loopback port) under two name prefixes, as dev and prod would in one account's ECR. The images are
written through the registry's HTTP API (no build needed); skopeo copies them.
"""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
TAG = "0123456789ab"
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"

pytestmark = pytest.mark.skipif(
    not (shutil.which("skopeo") and shutil.which("docker-registry")),
    reason="no skopeo/docker-registry (make images-bootstrap)",
)


def request(url, method="GET", data=None, headers=None):
    response = httpx.request(method, url, content=data, headers=headers or {}, timeout=10)
    response.raise_for_status()
    return response.status_code, response.headers, response.content


def push_blob(address, repository, content):
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    _, headers, _ = request(f"http://{address}/v2/{repository}/blobs/uploads/", method="POST")
    location = headers["Location"]
    location = location if location.startswith("http") else f"http://{address}{location}"
    separator = "&" if "?" in location else "?"
    request(
        f"{location}{separator}digest={digest}",
        method="PUT",
        data=content,
        headers={"Content-Type": "application/octet-stream"},
    )
    return digest, len(content)


def push_image(address, repository, tag, payload):
    """A one-layer image whose layer holds `payload`; returns its manifest digest."""
    layer_digest, layer_size = push_blob(address, repository, payload)
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}
    ).encode()
    config_digest, config_size = push_blob(address, repository, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": config_size,
                "digest": config_digest,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": layer_size,
                    "digest": layer_digest,
                }
            ],
        }
    ).encode()
    request(
        f"http://{address}/v2/{repository}/manifests/{tag}",
        method="PUT",
        data=manifest,
        headers={"Content-Type": MANIFEST_TYPE},
    )
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def digest_of(address, repository, tag):
    url = f"http://{address}/v2/{repository}/manifests/{tag}"
    response = httpx.head(url, headers={"Accept": MANIFEST_TYPE}, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.headers["Docker-Content-Digest"]


def promote(run_playbook, address, *extra, tag=TAG, source="mobileml-dev"):
    subprocess.run([str(REPO / "scripts/images/configure.sh")], check=True, capture_output=True)
    return run_playbook(
        "playbooks/promote_images.yml",
        *extra,
        extra_vars={"container_registry": address, "image_tag": tag, "images_promote_from": f"{address}/{source}"},
    )


def test_the_tested_image_is_copied_by_digest_once_and_never_over_another(run_playbook, registry):
    tested = {
        image: push_image(registry, f"mobileml-dev/{image}", TAG, image.encode() * 100)
        for image in ("backend-api", "ml-model-service")
    }

    first = promote(run_playbook, registry).check()
    assert first.changed == 2, first.output
    for image, digest in tested.items():
        assert digest_of(registry, f"mobileml-local/{image}", TAG) == digest  # the same bytes, not a rebuild
    assert promote(run_playbook, registry).check().changed == 0

    # Another image already under the tag in this environment: refused, named, left as it was.
    other = push_image(registry, "mobileml-local/backend-api", "fedcba987654", b"something else")
    push_image(registry, "mobileml-dev/backend-api", "fedcba987654", b"what dev tested")
    refused = promote(run_playbook, registry, tag="fedcba987654")
    assert refused.returncode != 0
    assert f"{registry}/mobileml-local/backend-api:fedcba987654 holds {other}" in refused.stdout, refused.output
    assert digest_of(registry, "mobileml-local/backend-api", "fedcba987654") == other

    # A tag the previous environment never held (never tested there): refused before any copy.
    missing = promote(run_playbook, registry, tag="aaaaaaaaaaaa")
    assert missing.returncode != 0 and "does not exist: nothing tested it there" in missing.stdout, missing.output
    assert digest_of(registry, "mobileml-local/backend-api", "aaaaaaaaaaaa") is None


@pytest.mark.parametrize(
    ("extra_vars", "named"),
    [({"image_tag": "has/slash"}, "image_tag"), ({"images_promote_from": "no-prefix"}, "images_promote_from")],
)
def test_bad_input_is_named_before_any_call(run_playbook, extra_vars, named):
    run = run_playbook(
        "playbooks/promote_images.yml", extra_vars={"image_tag": TAG, "images_promote_from": "r/p", **extra_vars}
    )
    assert run.returncode != 0 and named in run.stdout, run.output
    assert "GetCallerIdentity" not in run.stdout
