"""Run moto's server with the offline AWS extensions registered on its backends.

Started as a separate process by `offline_aws.server.start`; not imported by product code.
"""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the offline AWS only binds loopback addresses")

    # AWS-managed policies (AmazonECSTaskExecutionRolePolicy, ...) exist only with this flag.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

    from moto import server

    from offline_aws import extensions
    from offline_aws.live import runtime

    applied = extensions.apply_all()
    print(f"offline_aws: extensions applied: {', '.join(applied) or 'none'}", flush=True)
    # The live components (ECS agent, load balancer) call back into this server by its address.
    os.environ["OFFLINE_AWS_SELF"] = f"http://{args.host}:{args.port}"
    runtime.install()
    server.main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    sys.exit(main())
