"""``python3 -m service_kit.healthcheck PORT``: the images' HEALTHCHECK.

Exits 0 when ``GET http://127.0.0.1:PORT/health`` answers 200 within 2 s, else 1 (liveness only:
readiness is /ready, for the load balancer).
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def healthy(port: int, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python3 -m service_kit.healthcheck PORT", file=sys.stderr)
        return 2
    return 0 if healthy(int(args[0])) else 1


if __name__ == "__main__":
    sys.exit(main())
