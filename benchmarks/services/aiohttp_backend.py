"""backend-api with aiohttp's client in place of its own upstream pool, for the chain benchmark.

    python benchmarks/services/aiohttp_backend.py      (the same environment as python -m backend_api)

The backend's hand-written HTTP/1.1 client (backend_api/upstream.py) exists because httpx cost
3.8-14 ms of CPU per call; this runs the very same app with ``aiohttp.ClientSession`` behind
``create_app(upstream=...)`` so that run.py measures both clients in one run. Only the client
differs: the same pool size, one deadline per call, the same error kinds for the forwarder.
"""

from __future__ import annotations

import asyncio
import sys

import aiohttp
from backend_api.app import create_app
from backend_api.settings import Settings
from backend_api.upstream import UpstreamError, UpstreamResponse
from service_kit.serve import serve


class AiohttpUpstream:
    """UpstreamPool's interface (``request``, ``aclose``) on one aiohttp ClientSession."""

    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.ml_service_url.rstrip("/")
        self.max_response_bytes = settings.ml_max_response_bytes
        connector = aiohttp.TCPConnector(limit=settings.ml_max_connections, limit_per_host=0, use_dns_cache=True)
        self.session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent", "Accept-Encoding")
        )

    async def request(self, method, path, body=b"", headers=None, timeout=2.0) -> UpstreamResponse:
        sent = False
        fields = [(name.decode(), value.decode()) for name, value in headers or ()]
        try:
            async with asyncio.timeout(timeout):
                async with self.session.request(
                    method,
                    self.base_url + path,
                    data=body,
                    headers=fields,
                ) as response:
                    sent = True
                    if (response.content_length or 0) > self.max_response_bytes:
                        raise UpstreamError("oversized", "the ML service's answer is too long", True)
                    chunks, size = [], 0
                    async for chunk in response.content.iter_any():
                        size += len(chunk)
                        if size > self.max_response_bytes:
                            raise UpstreamError("oversized", "the ML service's answer is too long", True)
                        chunks.append(chunk)
                    data = b"".join(chunks)
                    raw = [(k.lower(), v) for k, v in response.raw_headers]
                    return UpstreamResponse(response.status, raw, data)
        except TimeoutError:
            raise UpstreamError("timeout", f"the ML service did not answer within {timeout:g}s", sent) from None
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamError("connect", f"cannot connect to the ML service: {exc}", False) from None
        except aiohttp.ServerDisconnectedError:
            raise UpstreamError("closed", "the ML service closed the connection", True) from None
        except aiohttp.ClientError as exc:
            raise UpstreamError("protocol", f"bad answer from the ML service: {exc}", True) from None

    async def aclose(self) -> None:
        await self.session.close()


def main() -> int:
    return serve(lambda settings: create_app(settings, upstream=AiohttpUpstream), Settings())


if __name__ == "__main__":
    sys.exit(main())
