"""`python -m offline_aws start|stop|reset|env|status [--state-dir DIR]`."""

import argparse
import sys

from offline_aws import server

DEFAULT_STATE_DIR = ".offline-aws"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="offline_aws", description=__doc__)
    parser.add_argument("command", choices=["start", "stop", "reset", "env", "status"])
    parser.add_argument("--state-dir", default=DEFAULT_STATE_DIR)
    args = parser.parse_args(argv)

    if args.command == "start":
        running = server.ensure(args.state_dir)
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
