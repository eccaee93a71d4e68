"""Check every AWS call our plugins make against the service models of the botocore floor.

requirements.txt promises the modules work with `botocore>=<floor>`; the venv has a newer
botocore, so a parameter added to an API after the floor (S3 PutObject's IfNoneMatch came with
botocore 1.35.x) passes every test here and fails on a controller that has the floor. This reads
each call `client.<operation>(Param=...)` in plugins/ (the CamelCase keywords are the API's),
finds the services whose operation of that name takes those parameters in the installed botocore,
and fails when none of them does in the floor's models (read from the floor's wheel, which pip
downloads once into .build/botocore-floor/).

Usage: python tests/collection/check_botocore_floor.py [--floor VERSION] [--wheel PATH]
"""

import argparse
import ast
import gzip
import json
import re
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path

import botocore.session
from botocore import xform_name

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".build" / "botocore-floor"
NOT_API_KEYWORDS = {"aws_retry"}


def floor_version(requirements=REPO / "requirements.txt"):
    match = re.search(r"^botocore>=([0-9.]+)", requirements.read_text(), re.MULTILINE)
    if not match:
        sys.exit(f"{requirements}: no 'botocore>=' floor")
    return match.group(1)


def floor_wheel(version):
    wheels = sorted(CACHE.glob(f"botocore-{version}-*.whl"))
    if not wheels:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 (pip of this interpreter, a pinned package name)
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(CACHE), f"botocore=={version}"],
            check=True,
        )
        wheels = sorted(CACHE.glob(f"botocore-{version}-*.whl"))
    return wheels[0]


class WheelModels:
    """Service models (operation -> input members) from a botocore wheel, newest API version."""

    def __init__(self, wheel):
        self.zip = zipfile.ZipFile(wheel)
        self.paths = {}
        for name in self.zip.namelist():
            parts = name.split("/")
            if len(parts) == 5 and parts[:2] == ["botocore", "data"] and parts[4].startswith("service-2.json"):
                service, api_version = parts[2], parts[3]
                if api_version >= self.paths.get(service, ("", ""))[0]:
                    self.paths[service] = (api_version, name)

    @cache  # noqa: B019 (one instance per run)
    def operations(self, service):
        if service not in self.paths:
            return {}
        data = self.zip.read(self.paths[service][1])
        if self.paths[service][1].endswith(".gz"):
            data = gzip.decompress(data)
        return operations_of(json.loads(data))


def operations_of(model):
    shapes = model["shapes"]
    result = {}
    for name, operation in model["operations"].items():
        shape = operation.get("input", {}).get("shape")
        result[xform_name(name)] = set(shapes[shape].get("members", {})) if shape else set()
    return result


class InstalledModels:
    """The installed botocore's models of the services our plugins open clients for."""

    def __init__(self, services):
        self.session = botocore.session.get_session()
        self.services = sorted(services)

    @cache  # noqa: B019 (one instance per run)
    def operations(self, service):
        return operations_of(self.session.get_service_data(service))


def client_services(root=REPO / "plugins"):
    """Every service our plugins open a client for: `.client("<service>", ...)`,
    `retries.client(module, "<service>")` or `clients["<service>"]` (module_utils/traffic.Clients
    makes them on first use)."""
    known = set(botocore.session.get_session().get_available_services())
    services = set()
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client":
                names = node.args[:2]
            elif isinstance(node, ast.Subscript):
                names = [node.slice]
            else:
                continue
            services.update(n.value for n in names if isinstance(n, ast.Constant) and n.value in known)
    return services


def api_calls(root=REPO / "plugins"):
    """(file, line, operation, CamelCase keywords) of every attribute call with API-style keywords."""
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            keywords = {k.arg for k in node.keywords if k.arg and k.arg not in NOT_API_KEYWORDS}
            if keywords and all(k[0].isupper() for k in keywords):
                yield path.relative_to(REPO), node.lineno, node.func.attr, keywords


def check(floor_models, installed):
    problems, checked = [], 0
    for path, line, operation, keywords in api_calls():
        services = [s for s in installed.services if keywords <= installed.operations(s).get(operation, set())]
        if not services:
            continue  # not an AWS API call (or one the installed botocore does not know either)
        checked += 1
        if not any(keywords <= floor_models.operations(s).get(operation, {"<missing>"}) for s in services):
            missing = sorted(keywords - floor_models.operations(services[0]).get(operation, set()))
            problems.append(
                f"{path}:{line}: {services[0]}.{operation}({', '.join(missing) or 'the operation itself'}) "
                "is not in the floor's service model"
            )
    return problems, checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", help="botocore version to check against (default: requirements.txt's floor)")
    parser.add_argument("--wheel", type=Path, help="a botocore wheel to read instead of downloading the floor")
    args = parser.parse_args()
    version = args.floor or floor_version()
    wheel = args.wheel or floor_wheel(version)
    problems, checked = check(WheelModels(wheel), InstalledModels(client_services()))
    for problem in problems:
        print(problem)
    print(f"botocore floor {version}: {checked} API calls in plugins/ checked, {len(problems)} not supported")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
