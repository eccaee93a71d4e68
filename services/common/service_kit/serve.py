"""``serve``: run a service's app on its $HOST:$PORT with uvicorn, the container command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import uvicorn

from service_kit.logs import configure_logging


def serve(create_app: Callable[[Any], Any], settings: Any) -> int:
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        ws="none",  # neither service serves websockets: importing uvicorn's websockets support costs ~4 MB
        log_config=None,
        access_log=False,  # one JSON line per request comes from the service itself
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=10,
    )
    return 0
