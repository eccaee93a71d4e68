"""``serve``: run the service on $PORT (8000), the container command."""

from __future__ import annotations

import sys

from service_kit.serve import serve

from backend_api.app import create_app
from backend_api.settings import Settings


def main(argv: list[str] | None = None) -> int:
    return serve(create_app, Settings())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
