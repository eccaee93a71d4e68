# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The model bundle written by the ML service's training script: reading and verifying it.

``model.tar.gz`` holds ``model.onnx`` and ``metadata.json`` at its top level. The integrity rule
is the service's own (ml_model_service.bundle), re-implemented here because modules run
standalone: ``sha256(model.onnx) == metadata["model_sha256"]``. The tarball is read member by
member in memory; nothing is extracted to disk.
"""

import hashlib
import io
import json
import tarfile

MODEL_FILE = "model.onnx"
METADATA_FILE = "metadata.json"
BUNDLE_FILE = "model.tar.gz"

MAX_MODEL_BYTES = 512 * 1024 * 1024
MAX_METADATA_BYTES = 16 * 1024 * 1024

# What registration needs from metadata.json (the service needs feature_names/classes too).
REQUIRED_KEYS = ("version", "created_at", "model_type", "feature_names", "classes", "model_sha256", "metrics", "dataset")


class BundleError(Exception):
    """The bundle cannot be read, or is not a consistent model bundle."""


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


class Bundle:
    """A verified bundle: its bytes, the sha256 of model.onnx and of the tarball, its metadata."""

    def __init__(self, data, model_sha256, metadata, metadata_bytes):
        self.data = data
        self.bundle_sha256 = sha256_hex(data)
        self.model_sha256 = model_sha256
        self.metadata = metadata
        self.metadata_bytes = metadata_bytes

    @property
    def metrics(self):
        return dict(self.metadata["metrics"])

    @property
    def dataset(self):
        return dict(self.metadata.get("dataset") or {})

    @property
    def baseline(self):
        return self.metadata.get("baseline")


def _member_name(name):
    while name.startswith("./"):
        name = name[2:]
    return name


def read_members(data):
    """Return ``{name: bytes}`` for model.onnx and metadata.json of a tar.gz given as bytes."""
    limits = {MODEL_FILE: MAX_MODEL_BYTES, METADATA_FILE: MAX_METADATA_BYTES}
    files = {}
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
                files[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise BundleError(f"not a readable tar.gz bundle: {e}") from e
    missing = [name for name in limits if name not in files]
    if missing:
        raise BundleError(f"the bundle lacks {', '.join(missing)}")
    return files


def verify_metadata(metadata):
    if not isinstance(metadata, dict):
        raise BundleError(f"{METADATA_FILE} must hold a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in metadata]
    if missing:
        raise BundleError(f"{METADATA_FILE} lacks required keys: {', '.join(missing)}")
    metrics = metadata["metrics"]
    if not isinstance(metrics, dict) or not metrics:
        raise BundleError(f"{METADATA_FILE} metrics must be a non-empty object of numbers")
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BundleError(f"{METADATA_FILE} metric {name!r} is not a number: {value!r}")
    if not isinstance(metadata["dataset"], dict) or not metadata["dataset"].get("sha256"):
        raise BundleError(f"{METADATA_FILE} dataset must be an object with a sha256")
    names = metadata["feature_names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise BundleError(f"{METADATA_FILE} feature_names must be a non-empty list of strings")
    if not isinstance(metadata["classes"], list) or len(metadata["classes"]) < 2:
        raise BundleError(f"{METADATA_FILE} classes must be a list of at least two labels")


def read_bundle_bytes(data, expected_sha256=None):
    """Verify a model.tar.gz given as bytes and return a Bundle; raise BundleError otherwise."""
    files = read_members(data)
    try:
        metadata = json.loads(files[METADATA_FILE])
    except ValueError as e:
        raise BundleError(f"{METADATA_FILE} is not valid JSON: {e}") from e
    verify_metadata(metadata)
    actual = sha256_hex(files[MODEL_FILE])
    declared = str(metadata["model_sha256"]).strip().lower()
    if actual != declared:
        raise BundleError(
            f"sha256 of {MODEL_FILE} is {actual} but {METADATA_FILE} declares {declared}: "
            "the bundle was modified after training"
        )
    if expected_sha256 and actual != expected_sha256.strip().lower():
        raise BundleError(f"sha256 of {MODEL_FILE} is {actual} but {expected_sha256.strip().lower()} was expected")
    return Bundle(data, actual, metadata, files[METADATA_FILE])


def read_bundle(path, expected_sha256=None):
    """Read and verify the model.tar.gz at ``path``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as e:
        raise BundleError(f"cannot read bundle {path}: {e.strerror or e}") from e
    return read_bundle_bytes(data, expected_sha256)
