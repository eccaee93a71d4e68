"""The model bundle: ``model.tar.gz`` = ``model.onnx`` + ``metadata.json``.

The integrity rule is deliberately simple so that other tools (the Ansible modules) can
re-implement it: ``sha256(model.onnx bytes) == metadata["model_sha256"]``, and, when the caller
expects a particular model, ``== expected_sha256`` too.

Nothing here unpickles anything: the tarball is read member by member into memory and never
extracted to disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

MODEL_FILE = "model.onnx"
METADATA_FILE = "metadata.json"
BUNDLE_FILE = "model.tar.gz"

# Upper bounds that keep a hostile or broken bundle from exhausting memory.
MAX_MODEL_BYTES = 512 * 1024 * 1024
MAX_METADATA_BYTES = 16 * 1024 * 1024

REQUIRED_METADATA_KEYS = (
    "version",
    "created_at",
    "model_type",
    "feature_names",
    "classes",
    "model_sha256",
)


class BundleError(Exception):
    """The bundle cannot be read or is not a valid model bundle."""


class BundleIntegrityError(BundleError):
    """model.onnx does not have the sha256 that the metadata (or the caller) expects."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_bundle(onnx_bytes: bytes, metadata: dict[str, Any], expected_sha256: str | None = None) -> None:
    """Raise BundleError/BundleIntegrityError unless the pair is a consistent bundle."""
    if not isinstance(metadata, dict):
        raise BundleError("metadata.json must hold a JSON object")
    missing = [key for key in REQUIRED_METADATA_KEYS if key not in metadata]
    if missing:
        raise BundleError(f"metadata.json lacks required keys: {', '.join(missing)}")
    names = metadata["feature_names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise BundleError("metadata.json feature_names must be a non-empty list of strings")
    classes = metadata["classes"]
    if not isinstance(classes, list) or len(classes) < 2:
        raise BundleError("metadata.json classes must be a list of at least two labels")
    actual = sha256_hex(onnx_bytes)
    declared = str(metadata["model_sha256"]).lower()
    if actual != declared:
        raise BundleIntegrityError(f"sha256 of {MODEL_FILE} is {actual} but metadata.json declares {declared}")
    if expected_sha256 and actual != expected_sha256.strip().lower():
        raise BundleIntegrityError(
            f"sha256 of {MODEL_FILE} is {actual} but {expected_sha256.strip().lower()} was expected"
        )


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name


def read_bundle_bytes(data: bytes, expected_sha256: str | None = None) -> tuple[bytes, dict[str, Any]]:
    """Read a model.tar.gz given as bytes; see read_bundle."""
    files: dict[str, bytes] = {}
    limits = {MODEL_FILE: MAX_MODEL_BYTES, METADATA_FILE: MAX_METADATA_BYTES}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                name = _member_name(member.name)
                if name not in limits:
                    continue
                if not member.isfile():
                    raise BundleError(f"{name} in the bundle is not a regular file")
                if member.size > limits[name]:
                    raise BundleError(f"{name} in the bundle is too large ({member.size} bytes)")
                if name in files:
                    raise BundleError(f"{name} appears twice in the bundle")
                handle = tar.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() was checked
                    raise BundleError(f"cannot read {name} from the bundle")
                files[name] = handle.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleError(f"not a readable tar.gz bundle: {exc}") from exc
    missing = [name for name in limits if name not in files]
    if missing:
        raise BundleError(f"bundle lacks {', '.join(missing)}")
    return _finish(files[MODEL_FILE], files[METADATA_FILE], expected_sha256)


def _finish(onnx_bytes: bytes, metadata_bytes: bytes, expected_sha256: str | None) -> tuple[bytes, dict[str, Any]]:
    try:
        metadata = json.loads(metadata_bytes)
    except ValueError as exc:
        raise BundleError(f"{METADATA_FILE} is not valid JSON: {exc}") from exc
    verify_bundle(onnx_bytes, metadata, expected_sha256)
    return onnx_bytes, metadata


def _read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refused once it holds more than ``limit`` (checked while reading, so a
    FIFO, a device or a file that grows cannot exhaust memory)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise BundleError(f"cannot read bundle {path}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise BundleError(f"{path} is too large (more than {limit} bytes)")
    return data


def read_bundle(path: str | os.PathLike[str], expected_sha256: str | None = None) -> tuple[bytes, dict[str, Any]]:
    """Return ``(onnx_bytes, metadata)`` from a bundle on disk, verified.

    ``path`` is a ``model.tar.gz`` file, or a directory holding ``model.onnx`` and
    ``metadata.json`` (the layout SageMaker extracts to ``/opt/ml/model``), or a directory holding
    ``model.tar.gz``. Raises BundleIntegrityError when sha256(model.onnx) differs from
    ``metadata["model_sha256"]`` or from ``expected_sha256``; BundleError for anything else.
    """
    path = Path(path)
    if path.is_dir():
        if (path / MODEL_FILE).is_file() and (path / METADATA_FILE).is_file():
            return _finish(
                _read_bounded(path / MODEL_FILE, MAX_MODEL_BYTES),
                _read_bounded(path / METADATA_FILE, MAX_METADATA_BYTES),
                expected_sha256,
            )
        if (path / BUNDLE_FILE).is_file():
            path = path / BUNDLE_FILE
        else:
            raise BundleError(f"{path} holds neither {MODEL_FILE}+{METADATA_FILE} nor {BUNDLE_FILE}")
    # A tar.gz of the two files is at most their limits plus tar headers; gzip only shrinks it.
    data = _read_bounded(path, MAX_MODEL_BYTES + MAX_METADATA_BYTES + 64 * 1024)
    return read_bundle_bytes(data, expected_sha256)


def split_s3_uri(uri: str) -> tuple[str, str]:
    rest = uri[len("s3://") :]
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise BundleError(f"malformed S3 URI {uri!r}: expected s3://bucket/key")
    return bucket, key


def fetch_bundle(uri: str, expected_sha256: str | None = None, s3_client: Any = None) -> tuple[bytes, dict[str, Any]]:
    """Load and verify a bundle from a local path or an ``s3://bucket/key`` URI.

    For S3 the key is a model.tar.gz object, or a prefix ending in ``/`` under which
    ``model.tar.gz`` lives. boto3 honours ``AWS_ENDPOINT_URL`` by itself.
    """
    if not uri.startswith("s3://"):
        if "://" in uri and not uri.startswith("file://"):
            raise BundleError(f"unsupported model URI scheme in {uri!r} (use a path or s3://)")
        return read_bundle(uri.removeprefix("file://"), expected_sha256)
    bucket, key = split_s3_uri(uri)
    if key.endswith("/"):
        key += BUNDLE_FILE
    if s3_client is None:
        import boto3  # imported lazily: local bundles need no AWS SDK at all

        s3_client = boto3.client("s3")
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - botocore comes with boto3
        BotoCoreError = ClientError = Exception  # noqa: N806
    try:
        response = s3_client.get_object(Bucket=bucket, Key=key)
        limit = MAX_MODEL_BYTES + MAX_METADATA_BYTES + 64 * 1024
        length = response.get("ContentLength") or 0
        if length > limit:
            raise BundleError(f"s3://{bucket}/{key} is too large ({length} bytes)")
        data = response["Body"].read(limit + 1)
        if len(data) > limit:
            raise BundleError(f"s3://{bucket}/{key} is too large (more than {limit} bytes)")
    except (BotoCoreError, ClientError) as exc:
        raise BundleError(f"cannot download s3://{bucket}/{key}: {exc}") from exc
    return read_bundle_bytes(data, expected_sha256)
