"""Where predictions go: the ML service over the pooled client, or a SageMaker endpoint.

Both answer ``(status, body, content type)`` or raise ApiError with the mapping the README
documents: upstream down or unavailable (503, e.g. no model promoted yet) -> 503, broken answers
and other upstream 5xx -> 502, slow -> 504, upstream 4xx passed through unchanged (same error
shape, same request id).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from service_kit.errors import ApiError

from backend_api.upstream import UpstreamError, UpstreamPool, UpstreamResponse

log = logging.getLogger("backend_api")

RETRY_KINDS = {"connect", "stale", "closed"}  # every forwarded call is a pure prediction
RETRY_STATUS = {502, 503}
JSON = b"application/json"


def _backoff(attempt: int) -> float:
    return min(0.05 * (2**attempt), 0.5)


def _json_body(response: UpstreamResponse, request_id: str) -> bytes:
    """The ML service's JSON answer as it is; anything else is not an answer (502)."""
    content_type = response.header(b"content-type") or b""
    if content_type.split(b";", 1)[0].strip().lower() == JSON:
        try:
            orjson.loads(response.body)
            return response.body
        except orjson.JSONDecodeError:
            pass
    shown = content_type.decode(errors="replace")
    log.warning(
        "ML service answered something that is not JSON",
        extra={"request_id": request_id, "upstream_status": response.status, "content_type": shown},
    )
    raise ApiError(502, "bad_gateway", "the ML service answered something that is not JSON", None)


def _unavailable(response: UpstreamResponse, request_id: str) -> ApiError:
    """A 503 after the retries: unavailable (e.g. no model promoted yet), not broken, so 503 again.

    The ML service's own error (``model_not_ready`` and its reason) is passed on with its
    Retry-After; any other 503 (the ALB's page when no target is registered) is upstream_unavailable.
    """
    retry_after = response.header(b"retry-after")
    headers = {"Retry-After": retry_after.decode("latin-1")} if retry_after else None
    try:
        error = orjson.loads(response.body)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        code = message = None
    log.warning(
        "ML service unavailable",
        extra={"request_id": request_id, "upstream_status": 503, "upstream_code": code, "error": message},
    )
    if code is None:
        return ApiError(503, "upstream_unavailable", "the ML service answered 503 (unavailable)", None, headers)
    return ApiError(503, code, f"the ML service is not ready: {message}", None, headers)


class MlServiceForwarder:
    def __init__(self, pool: UpstreamPool, timeout: float, retries: int) -> None:
        self.pool = pool
        self.timeout = timeout
        self.retries = retries

    async def forward(self, path: str, body: bytes, request_id: str) -> tuple[int, bytes, bytes]:
        headers = [(b"content-type", JSON), (b"x-request-id", request_id.encode())]
        attempts = 1 + self.retries
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self.pool.request("POST", path, body, headers, self.timeout)
            except UpstreamError as exc:
                if exc.kind in RETRY_KINDS and not last:
                    await asyncio.sleep(_backoff(attempt))
                    continue
                log.warning(
                    "ML service call failed", extra={"request_id": request_id, "kind": exc.kind, "error": str(exc)}
                )
                if exc.kind == "timeout":
                    raise ApiError(504, "upstream_timeout", str(exc), None) from None
                if exc.kind == "connect":
                    raise ApiError(503, "upstream_unavailable", "the ML service is unavailable", None) from None
                raise ApiError(502, "bad_gateway", "the ML service gave no valid answer", None) from None
            if response.status in RETRY_STATUS and not last:
                await asyncio.sleep(_backoff(attempt))
                continue
            if response.status == 503:
                raise _unavailable(response, request_id)
            if response.status >= 500:
                log.warning("ML service error", extra={"request_id": request_id, "upstream_status": response.status})
                raise ApiError(502, "upstream_error", f"the ML service answered {response.status}", None)
            return response.status, _json_body(response, request_id), JSON
        raise AssertionError("unreachable")  # pragma: no cover

    async def ready(self, request_id: str) -> bool:
        try:
            response = await self.pool.request(
                "GET", "/ready", b"", [(b"x-request-id", request_id.encode())], self.timeout
            )
        except UpstreamError:
            return False
        return response.status == 200

    async def aclose(self) -> None:
        await self.pool.aclose()


class SageMakerForwarder:
    """invoke_endpoint with JSON ``{"instances": [...]}``; answers in the ML service's shapes."""

    def __init__(self, endpoint_name: str, timeout: float, retries: int, client: Any = None) -> None:
        self.endpoint_name = endpoint_name
        if client is None:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"max_attempts": retries + 1, "mode": "standard"},
            )
            client = boto3.client("sagemaker-runtime", config=config)
        self.client = client

    def _invoke(self, instances: Any, request_id: str) -> dict[str, Any]:
        from botocore.exceptions import (
            ClientError,
            ConnectTimeoutError,
            ReadTimeoutError,
        )
        from botocore.exceptions import (
            ConnectionError as BotoConnectionError,
        )

        try:
            response = self.client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=orjson.dumps({"instances": instances}),
                CustomAttributes=f"request-id={request_id}",
            )
        except ReadTimeoutError:
            raise ApiError(504, "upstream_timeout", "the SageMaker endpoint did not answer in time", None) from None
        except (ConnectTimeoutError, BotoConnectionError):
            raise ApiError(503, "upstream_unavailable", "the SageMaker endpoint is unreachable", None) from None
        except ClientError as exc:
            raise self._client_error(exc, request_id) from None
        try:
            result = orjson.loads(response["Body"].read())
        except orjson.JSONDecodeError:
            raise ApiError(502, "bad_gateway", "the SageMaker endpoint answered with invalid JSON", None) from None
        if not isinstance(result, dict) or not isinstance(result.get("probabilities"), list):
            raise ApiError(502, "bad_gateway", "the SageMaker endpoint answered in an unknown shape", None)
        return result

    @staticmethod
    def _client_error(exc: Any, request_id: str) -> ApiError:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code == "ModelError":
            original = exc.response.get("OriginalStatusCode") or 502
            message = exc.response.get("OriginalMessage") or error.get("Message", "model error")
            if 400 <= int(original) < 500:
                try:  # the container's own error body, passed through
                    detail = orjson.loads(message)["error"]
                    return ApiError(int(original), detail["code"], detail["message"], detail.get("field"))
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    return ApiError(int(original), "model_error", str(message)[:500], None)
            return ApiError(502, "upstream_error", f"the model container answered {original}", None)
        if code in ("ThrottlingException", "ModelNotReadyException", "ServiceUnavailable", "InternalFailure"):
            return ApiError(503, "upstream_unavailable", f"SageMaker: {code}", None)
        log.warning("SageMaker call failed", extra={"request_id": request_id, "code": code, "error": str(exc)})
        return ApiError(502, "bad_gateway", f"SageMaker: {code or 'error'}", None)

    async def forward(self, path: str, body: bytes, request_id: str) -> tuple[int, bytes, bytes]:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(400, "invalid_json", "the body is not valid JSON", "body") from None
        if not isinstance(payload, dict):
            raise ApiError(422, "invalid_request", "the body must be a JSON object", None)
        single = path == "/predict"
        key = "features" if single else "instances"
        if not isinstance(payload.get(key), list):
            raise ApiError(422, "missing_field", f"the body needs a {key!r} list", key)
        instances = [payload[key]] if single else payload[key]
        result = await asyncio.to_thread(self._invoke, instances, request_id)
        if not single:
            return 200, orjson.dumps(result), JSON
        classes = result.get("classes", [])
        probabilities = result["probabilities"][0]
        body_out = {
            "prediction": result["predictions"][0],
            "confidence": result["confidences"][0],
            "probabilities": {str(c): p for c, p in zip(classes, probabilities, strict=False)},
            "model_version": result.get("model_version"),
        }
        return 200, orjson.dumps(body_out), JSON

    async def ready(self, request_id: str) -> bool:
        return True  # SageMaker routes only to InService variants

    async def aclose(self) -> None:
        return None
