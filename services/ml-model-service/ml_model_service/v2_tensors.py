"""Open Inference Protocol V2 tensors in and out: JSON data and the binary tensor extension.

The binary extension (what tritonclient sends and asks for by default): the body is a JSON
header of ``Inference-Header-Content-Length`` bytes followed by the raw little-endian tensors,
each input naming its size in ``parameters.binary_data_size``. Outputs are answered the same way
when the request asks (``parameters.binary_data_output`` or an output's ``parameters.binary_data``).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
import orjson
from service_kit.content import is_json_content_type
from service_kit.errors import ApiError

from ml_model_service.inputs import FLOAT32_MAX, parse_json

DATATYPES = {"FP32": np.dtype("<f4"), "FP64": np.dtype("<f8")}
HEADER_LENGTH = "inference-header-content-length"


def split_body(body: bytes, content_type: str | None, header_length: str | None) -> tuple[Any, bytes]:
    """The JSON header (parsed) and the binary part after it (empty without the extension)."""
    if header_length is not None:
        try:
            length = int(header_length)
        except ValueError:
            length = -1
        if not 0 < length <= len(body):
            raise ApiError(
                400, "invalid_header", f"Inference-Header-Content-Length must be within 1..{len(body)}",
                "inference-header-content-length",
            )  # fmt: skip
        return parse_json(body[:length]), body[length:]
    # V2 servers (Triton, MLServer, KServe) take a JSON body with or without a Content-Type.
    if content_type and not is_json_content_type(content_type.encode("latin-1")):
        raise ApiError(415, "unsupported_media_type", f"expected application/json, got {content_type}", "content-type")
    return parse_json(body), b""


def _shape(tensor: dict, n_features: int, max_rows: int) -> tuple[int, int]:
    shape = tensor["shape"]
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(type(d) is int for d in shape)
        or shape[1] != n_features
        or shape[0] < 1
    ):
        raise ApiError(
            400, "invalid_shape", f"shape must be [rows, {n_features}], got {shape!r}", "inputs[0].shape"
        )  # fmt: skip
    if shape[0] > max_rows:
        raise ApiError(413, "batch_too_large", f"{shape[0]} rows; at most {max_rows} per request", "inputs[0].shape")
    return shape[0], shape[1]


def _binary_size(tensor: dict) -> int | None:
    parameters = tensor.get("parameters")
    if not isinstance(parameters, dict) or "binary_data_size" not in parameters:
        return None
    size = parameters["binary_data_size"]
    if type(size) is not int or size < 0:
        raise ApiError(
            400, "invalid_parameters", "binary_data_size must be a non-negative integer",
            "inputs[0].parameters.binary_data_size",
        )  # fmt: skip
    return size


def _json_data(tensor: dict, rows: int, cols: int) -> np.ndarray:
    if "data" not in tensor:
        raise ApiError(400, "missing_field", "the tensor needs 'data' (or binary data)", "inputs[0].data")
    data = tensor["data"]
    if not isinstance(data, list):
        raise ApiError(400, "invalid_data", "data must be a list", "inputs[0].data")
    if data and isinstance(data[0], list):  # row-major nested form
        if not all(isinstance(row, list) for row in data):
            raise ApiError(400, "invalid_data", "data mixes rows and values", "inputs[0].data")
        data = list(chain.from_iterable(data))
    if len(data) != rows * cols:
        raise ApiError(
            400, "invalid_data", f"shape [{rows}, {cols}] needs {rows * cols} values, got {len(data)}",
            "inputs[0].data",
        )  # fmt: skip
    if not set(map(type, data)) <= {int, float}:
        for i, value in enumerate(data):
            if type(value) not in (int, float):
                kind = "null" if value is None else type(value).__name__
                raise ApiError(400, "not_a_number", f"expected a number, got {kind}", f"inputs[0].data[{i}]")
    return np.asarray(data, dtype=np.float64)


def input_matrix(payload: Any, binary: bytes, input_name: str, n_features: int, max_rows: int) -> np.ndarray:
    """The one input tensor as float32 (rows, n_features), or a 400/413 naming the field."""
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object", None)
    inputs = payload.get("inputs")
    if not isinstance(inputs, list) or len(inputs) != 1:
        raise ApiError(400, "invalid_inputs", "inputs must be a list holding one tensor", "inputs")
    tensor = inputs[0]
    if not isinstance(tensor, dict):
        raise ApiError(400, "invalid_inputs", "a tensor must be a JSON object", "inputs[0]")
    for key in ("name", "shape", "datatype"):
        if key not in tensor:
            raise ApiError(400, "missing_field", f"the tensor needs {key!r}", f"inputs[0].{key}")
    if tensor["name"] != input_name:
        raise ApiError(400, "unknown_input", f"the model's input is {input_name!r}", "inputs[0].name")
    datatype = tensor["datatype"]
    if datatype not in DATATYPES:
        raise ApiError(
            400, "unsupported_datatype", f"datatype must be FP32 or FP64, got {datatype!r}", "inputs[0].datatype"
        )  # fmt: skip
    rows, cols = _shape(tensor, n_features, max_rows)
    size = _binary_size(tensor)
    if size is None:
        if binary:
            raise ApiError(400, "invalid_data", "binary data follows the header but no input claims it", "inputs[0]")
        x = _json_data(tensor, rows, cols)
    else:
        dtype = DATATYPES[datatype]
        if size != len(binary) or size != rows * cols * dtype.itemsize:
            raise ApiError(
                400, "invalid_data",
                f"shape [{rows}, {cols}] of {datatype} needs {rows * cols * dtype.itemsize} bytes; "
                f"binary_data_size is {size} and {len(binary)} bytes follow the header",
                "inputs[0].parameters.binary_data_size",
            )  # fmt: skip
        x = np.frombuffer(binary, dtype=dtype).astype(np.float64)
    x = x.reshape(rows, cols)
    if not np.all(np.abs(x) <= FLOAT32_MAX):  # NaN and infinities included
        i = int(np.argmin(np.abs(x.ravel()) <= FLOAT32_MAX))
        raise ApiError(
            400, "out_of_range", "values must be finite and within the float32 range", f"inputs[0].data[{i}]"
        )  # fmt: skip
    return x.astype(np.float32)


def _wants_binary(payload: dict, output: dict | None) -> bool:
    if isinstance(output, dict):
        parameters = output.get("parameters")
        if isinstance(parameters, dict) and "binary_data" in parameters:
            return parameters["binary_data"] is True
    parameters = payload.get("parameters")
    return isinstance(parameters, dict) and parameters.get("binary_data_output") is True


def requested_outputs(payload: dict, known: tuple[str, ...]) -> list[tuple[str, bool]]:
    """[(output name, answer in binary)] in the order asked; every known output when none is."""
    requested = payload.get("outputs")
    if requested is None:
        return [(name, _wants_binary(payload, None)) for name in known]
    if not isinstance(requested, list) or not all(isinstance(o, dict) and o.get("name") in known for o in requested):
        raise ApiError(400, "unknown_output", f"outputs are {list(known)}", "outputs")
    for output in requested:
        parameters = output.get("parameters")
        if isinstance(parameters, dict) and parameters.get("classification"):
            raise ApiError(400, "unsupported_parameter", "the classification extension is not supported", "outputs")
    return [(o["name"], _wants_binary(payload, o)) for o in requested]


def _raw(datatype: str, data: np.ndarray | list) -> bytes:
    if datatype == "BYTES":  # each element: 4-byte little-endian length, then the bytes
        parts = []
        for item in data:
            encoded = str(item).encode()
            parts += (len(encoded).to_bytes(4, "little"), encoded)
        return b"".join(parts)
    return np.ascontiguousarray(data, dtype=np.dtype("<i8") if datatype == "INT64" else np.dtype("<f4")).tobytes()


def encode_response(body: dict, outputs: list[tuple[dict, np.ndarray | list, bool]]) -> tuple[bytes, dict[str, str]]:
    """The response body and its extra headers; binary outputs follow the JSON header."""
    blobs = []
    described = []
    for tensor, data, binary in outputs:
        if binary:
            raw = _raw(tensor["datatype"], data)
            blobs.append(raw)
            described.append({**tensor, "parameters": {"binary_data_size": len(raw)}})
        else:
            described.append({**tensor, "data": data})
    header = orjson.dumps({**body, "outputs": described}, option=orjson.OPT_SERIALIZE_NUMPY)
    if not blobs:
        return header, {}
    return header + b"".join(blobs), {"Inference-Header-Content-Length": str(len(header))}
