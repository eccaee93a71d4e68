"""Figures for the infrastructure playbooks: a full converge of infra.yml + services.yml (site.yml's
infrastructure half) on an empty offline AWS, then a no-op re-run; wall time and AWS API calls of each.

    .venv/bin/python benchmarks/infra/run.py [--runs 3]

Each run gets a fresh offline AWS of its own. API calls are counted from the server's request log
(werkzeug writes one line per request; moto's own /moto-api/ requests are left out). Medians of the
runs are printed; these are figures, not assertions.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from offline_aws import server  # noqa: E402

REQUEST = re.compile(r'"(GET|POST|PUT|DELETE|HEAD|PATCH) (?!/moto-api)\S* HTTP/[\d.]+" \d{3}')
PLAYBOOKS = ["playbooks/infra.yml", "playbooks/services.yml"]
# One line per host: infra.yml's two lanes are in-memory hosts beside localhost.
RECAP = re.compile(r"^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)", re.M)


def api_calls(log_path):
    return sum(1 for line in log_path.read_text(errors="replace").splitlines() if REQUEST.search(line))


def converge(endpoint, env):
    """Both playbooks in one ansible-playbook run (as site.yml does); (seconds, changed)."""
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        *PLAYBOOKS,
        "-i",
        "inventories/local",
        "-e",
        f"aws_endpoint_url={endpoint}",
    ]
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"converge failed:\n{result.stdout[-5000:]}\n{result.stderr[-2000:]}")
    recap = RECAP.findall(result.stdout.rsplit("PLAY RECAP", 1)[-1])
    return elapsed, sum(int(changed) for _, changed in recap) if recap else -1


def one_run():
    with tempfile.TemporaryDirectory(prefix="bench-infra-") as state:
        running = server.start(state_dir=state)
        log = Path(state) / "server.log"
        try:
            env = dict(
                os.environ,
                **running.environment(),
                ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                ANSIBLE_NOCOLOR="1",
                PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            )
            before = api_calls(log)
            full_seconds, full_changed = converge(running.endpoint, env)
            after_full = api_calls(log)
            noop_seconds, noop_changed = converge(running.endpoint, env)
            after_noop = api_calls(log)
        finally:
            server.stop(server=running)
    return {
        "full_seconds": full_seconds,
        "full_calls": after_full - before,
        "full_changed": full_changed,
        "noop_seconds": noop_seconds,
        "noop_calls": after_noop - after_full,
        "noop_changed": noop_changed,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    runs = []
    for index in range(args.runs):
        runs.append(one_run())
        r = runs[-1]
        print(
            f"run {index + 1}: full {r['full_seconds']:.1f} s, {r['full_calls']} calls, changed={r['full_changed']}; "
            f"no-op {r['noop_seconds']:.1f} s, {r['noop_calls']} calls, changed={r['noop_changed']}",
            flush=True,
        )
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"median of {len(runs)}: full converge {median['full_seconds']:.1f} s / "
        f"{median['full_calls']:.0f} API calls; "
        f"no-op re-run {median['noop_seconds']:.1f} s / {median['noop_calls']:.0f} API calls "
        f"({100 * median['noop_calls'] / median['full_calls']:.0f}% of the full converge's calls)"
    )


if __name__ == "__main__":
    sys.exit(main())
