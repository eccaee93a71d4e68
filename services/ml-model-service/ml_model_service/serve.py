"""``serve``: run the service on $PORT (8080), as SageMaker's ``docker run image serve`` does."""

from __future__ import annotations

import sys

from service_kit.serve import serve

from ml_model_service.app import create_app
from ml_model_service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    return serve(create_app, Settings())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
