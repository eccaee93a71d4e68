"""``serve``: run the service on $PORT (8000), the container command."""

from __future__ import annotations

import sys

import uvicorn

from backend_api.app import create_app
from backend_api.logs import configure_logging
from backend_api.settings import Settings


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,  # one JSON line per request comes from the service itself
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
