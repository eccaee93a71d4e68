"""`python -m offline_aws start|stop|reset|env|status [--state-dir DIR]`."""

import argparse
import sys
from pathlib import Path

from offline_aws import server

DEFAULT_STATE_DIR = ".offline-aws"


def _engine_environment():
    """podman's project configuration (scripts/images/configure.sh writes it), when present."""
    containers = Path(__file__).resolve().parent.parent / ".build" / "containers"
    files = {"CONTAINERS_CONF": "containers.conf", "CONTAINERS_STORAGE_CONF": "storage.conf",
             "CONTAINERS_REGISTRIES_CONF": "registries.conf"}  # fmt: skip
    return {name: str(containers / file) for name, file in files.items() if (containers / file).exists()}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="offline_aws", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "reset", "env", "status"])
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR)
    parser.add_argument(
        "--live",
        action="store_true",
        help="run ECS services' tasks as containers behind a real load balancer (offline_aws/live/)",
    )
    args = parser.parse_args(argv)

    if args.command == "start":
        live = server.live_settings(args.state_dir, _engine_environment()) if args.live else None
        running = server.ensure(args.state_dir, live=live)
        print(f"offline AWS at {running.endpoint} (pid {running.pid})")
    elif args.command == "stop":
        print("offline AWS stopped" if server.stop(args.state_dir) else "offline AWS was not running")
    else:
        running = server.load(args.state_dir)
        if running is None:
            print("offline AWS is not running (make aws-up starts it)", file=sys.stderr)
            return 1
        if args.command == "reset":
            running.reset()
            print("offline AWS state cleared")
        elif args.command == "env":
            print("".join(f"export {k}={v}\n" for k, v in running.environment().items()), end="")
        else:
            print(f"offline AWS at {running.endpoint} (pid {running.pid})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
