"""make up wall time, cold and warm, and the image sizes (figures, not assertions).

cold: make down, drop the podman store and the base tarball (wheels stay: a download, not ours)
warm: make up again while the stack runs (goal < 60 s; the AWS side should report changed=0)
Usage: .venv/bin/python benchmarks/up/run.py [--warm-runs 3] [--skip-cold]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def make(*targets):
    started = time.monotonic()
    result = subprocess.run(["make", "--no-print-directory", *targets], cwd=REPO, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"make {' '.join(targets)} failed:\n{result.stdout[-5000:]}\n{result.stderr[-3000:]}")
    return time.monotonic() - started, result.stdout


def changed_total(output):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", output))


def image_sizes():
    env = dict(os.environ)
    out = subprocess.run(["scripts/images/env.sh"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    env.update(line.removeprefix("export ").split("=", 1) for line in out.splitlines())
    listing = subprocess.run(["podman", "images", "--format", "json"], cwd=REPO, env=env,
                             capture_output=True, text=True, check=True).stdout
    sizes = {}
    for image in json.loads(listing):
        for name in image.get("Names") or []:
            if "mobileml-local" in name or "mlops/python" in name:
                sizes[name.rsplit(":", 1)[0]] = image["Size"] / 1e6
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()
    rows = []
    if not args.skip_cold:
        make("down")
        shutil.rmtree(REPO / ".cache" / "containers", ignore_errors=True)
        shutil.rmtree(REPO / ".cache" / "images", ignore_errors=True)
        seconds, output = make("up")
        rows.append(("cold make up (no base image, no layers)", seconds, changed_total(output)))
    warm = []
    for _ in range(args.warm_runs):
        seconds, output = make("up")
        warm.append((seconds, changed_total(output)))
    for seconds, changed in warm:
        rows.append(("warm make up (stack running)", seconds, changed))
    print(f"\n{'run':<42} {'wall s':>8} {'changed':>8}")
    for name, seconds, changed in rows:
        print(f"{name:<42} {seconds:>8.1f} {changed:>8}")
    if warm:
        print(f"{'warm median':<42} {statistics.median(s for s, _ in warm):>8.1f}   (goal < 60 s)")
    print(f"\n{'image':<58} {'MB':>8}")
    for name, size in sorted(image_sizes().items()):
        print(f"{name:<58} {size:>8.0f}")


if __name__ == "__main__":
    main()
