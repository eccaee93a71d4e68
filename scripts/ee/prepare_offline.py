#!/usr/bin/env python3
"""Write the offline build definition of the execution environment, from execution-environment.yml.

Galaxy and the base image's registry are out of reach here, and pip inside a build fails on the
proxy's CA, so the offline build differs from execution-environment.yml only in where things come
from, never in what goes in:
- the base image: the project's Debian base image (scripts/images/base_image.sh), Python in
  /usr/local like python:3.11-slim, apt instead of dnf (ee-apt-pkgmgr speaks the two verbs
  ansible-builder's scripts use: `install -y PKG...` and `clean all`);
- the collections: this collection's built tarball (.build/dist, `make collection`), and each
  dependency (galaxy.yml's, with their own dependencies) packed from the copy the `ansible` PyPI
  package installed in .venv, at the version the tests ran, checked against the EE's range;
- the Python packages: wheels fetched on the host with `pip download` (PyPI is reachable from the
  host), served to the build over loopback (--wheels-url; scripts/ee/build_offline.sh serves them) and
  installed with PIP_NO_INDEX and PIP_FIND_LINKS, which the final stage switches off again: no wheel
  and no pip setting stays in the image. The list is the EE's own plus what ansible-builder
  introspects from the collections and installs for itself.
Writes OUT/execution-environment.yml with its build files beside it; prints the wheels' directory.
    prepare_offline.py --wheels-url http://127.0.0.1:PORT/ [--out .build/ee] [--base-image IMAGE]
"""

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PKGMGR = "/usr/local/bin/ee-apt-pkgmgr"
# What ansible-builder's own Containerfile installs with pip besides the EE's requirements.
BUILDER_PACKAGES = ["bindep", "pyyaml", "packaging", "dumb-init==1.2.5"]


def log(message):
    print(f"ee: {message}", file=sys.stderr, flush=True)


def installed_collection(fqcn):
    """(path, MANIFEST collection_info) of a collection installed beside ansible in this Python."""
    namespace, name = fqcn.split(".")
    root = Path(__import__("ansible_collections").__path__[0])
    path = root / namespace / name
    manifest = path / "MANIFEST.json"
    if not manifest.is_file():
        sys.exit(f"ee: {fqcn} is not installed beside ansible ({path}): it cannot come from the ansible package")
    return path, json.loads(manifest.read_text())["collection_info"]


def pack(path, info, out):
    """A collection artifact (the tarball layout ansible-galaxy installs) of an installed collection.

    The `ansible` package leaves out files its collections' FILES.json still lists (.github, tests/),
    and ansible-galaxy refuses an artifact that lacks a listed file: FILES.json (and its checksum in
    MANIFEST.json) are written again for the files that are there.
    """
    target = out / f"{info['namespace']}-{info['name']}-{info['version']}.tar.gz"
    if target.exists():
        return target
    entries = [{"name": ".", "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1}]
    members = []
    for item in sorted(path.rglob("*")):
        relative = item.relative_to(path).as_posix()
        if "__pycache__" in item.parts or relative in ("MANIFEST.json", "FILES.json"):
            continue
        if item.is_dir():
            entries.append({"name": relative, "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1})
        else:
            digest = hashlib.sha256(item.read_bytes()).hexdigest()
            entries.append({"name": relative, "ftype": "file", "chksum_type": "sha256", "chksum_sha256": digest,
                            "format": 1})
        members.append((item, relative))
    files_json = json.dumps({"files": entries, "format": 1}, indent=4).encode()
    manifest = json.loads((path / "MANIFEST.json").read_text())
    manifest["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json).hexdigest()
    partial = target.with_suffix(".part")
    with tarfile.open(partial, "w:gz") as tar:
        for name, data in (("MANIFEST.json", json.dumps(manifest, indent=4).encode()), ("FILES.json", files_json)):
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), 0o644
            tar.addfile(member, io.BytesIO(data))
        for item, relative in members:
            tar.add(item, arcname=relative, recursive=False)
    partial.rename(target)
    return target


def dependency_collections(definition, out):
    """Pack every collection the EE names from Galaxy, and their dependencies; returns requirement entries."""
    wanted = [(c["name"], c.get("version", "*")) for c in definition["dependencies"]["galaxy"]["collections"]
              if c.get("type") != "file"]
    entries, seen = [], set()
    while wanted:
        fqcn, spec = wanted.pop(0)
        if fqcn in seen:
            continue
        seen.add(fqcn)
        path, info = installed_collection(fqcn)
        if spec != "*" and Version(info["version"]) not in SpecifierSet(spec):
            sys.exit(f"ee: {fqcn} {info['version']} (from the ansible package) is outside the EE's range {spec}")
        entries.append({"name": f"collections/{pack(path, info, out).name}", "type": "file"})
        wanted += list((info.get("dependencies") or {}).items())
    return entries


def python_requirements(definition, collections_dir, work):
    """Every Python requirement the build installs: ansible-builder's introspection of the collections,
    the EE's own list, ansible-core, ansible-runner and ansible-builder's helpers."""
    install_root = work / "introspect"
    shutil.rmtree(install_root, ignore_errors=True)
    tarballs = sorted(str(p) for p in collections_dir.glob("*.tar.gz"))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p",
                    str(install_root), *tarballs], check=True, capture_output=True, timeout=300)
    user = work / "user-requirements.txt"
    deps = definition["dependencies"]
    user.write_text("\n".join(deps.get("python", [])) + "\n")
    written = work / "introspected.txt"
    subprocess.run([str(BIN / "ansible-builder"), "introspect", "--user-pip", str(user), "--write-pip", str(written),
                    str(install_root)], check=True, capture_output=True, timeout=300)
    lines = [line.split("#", 1)[0].strip() for line in written.read_text().splitlines()]
    requirements = [line for line in lines if line]
    requirements += [deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"], *BUILDER_PACKAGES]
    return requirements


def download_wheels(requirements, cache):
    """`pip download` of the requirements (wheels only) into a cache directory named by their hash."""
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:12]
    wheels = cache / f"wheels-{key}"
    if (wheels / ".complete").exists():
        return wheels
    wheels.mkdir(parents=True, exist_ok=True)
    listing = wheels / "requirements.txt"
    listing.write_text("\n".join(requirements) + "\n")
    log(f"pip download of {len(requirements)} requirements into {wheels} (about a minute the first time)")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                    "--only-binary=:all:", "-d", str(wheels), "-r", str(listing)], check=True, timeout=900)
    (wheels / ".complete").write_text(key + "\n")
    return wheels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=REPO / ".build" / "ee")
    parser.add_argument("--base-image", default="localhost/mlops/python:3.11-bookworm")
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "ee")
    parser.add_argument("--wheels-url", required=True, help="where the build finds the wheels (served on loopback)")
    args = parser.parse_args()
    definition = yaml.safe_load((REPO / "execution-environment.yml").read_text())
    out = args.out.resolve()
    collections = out / "collections"
    collections.mkdir(parents=True, exist_ok=True)

    ours = [c for c in definition["dependencies"]["galaxy"]["collections"] if c.get("type") == "file"]
    entries = []
    for entry in ours:  # this collection's tarball, built by `make collection`
        tarball = REPO / ".build" / entry["name"]
        if not tarball.is_file():
            sys.exit(f"ee: {tarball} is missing: run `make collection` first")
        shutil.copy2(tarball, collections / tarball.name)
        entries.append({"name": f"collections/{tarball.name}", "type": "file"})
    entries += dependency_collections(definition, collections)

    requirements = python_requirements(definition, collections, out)
    wheels = download_wheels(requirements, args.cache.resolve())
    shutil.copy2(REPO / "scripts" / "ee" / "ee-apt-pkgmgr", out / "ee-apt-pkgmgr")

    offline = dict(definition)
    offline["images"] = {"base_image": {"name": args.base_image}}
    offline["dependencies"] = dict(definition["dependencies"])
    offline["dependencies"]["python_interpreter"] = {"python_path": "/usr/local/bin/python3"}
    offline["dependencies"]["galaxy"] = {"collections": entries}
    offline["additional_build_files"] = [
        {"src": "collections", "dest": "collections"},
        {"src": "ee-apt-pkgmgr", "dest": "scripts-offline"},
    ]
    offline["additional_build_steps"] = {
        "prepend_base": [
            f"COPY _build/scripts-offline/ee-apt-pkgmgr {PKGMGR}",
            f"ENV PIP_NO_INDEX=1 PIP_FIND_LINKS={args.wheels_url}",
        ],
        # The wheels' server is the build's, not the EE's: pip in the EE uses its index again.
        "append_final": ["ENV PIP_NO_INDEX=0 PIP_FIND_LINKS="],
    }
    offline["options"] = dict(definition.get("options") or {}, package_manager_path=PKGMGR)
    header = ("# Generated by scripts/ee/prepare_offline.py from execution-environment.yml: the same EE,\n"
              "# its inputs from the project's base image, the ansible package and wheels fetched on the host.\n")
    (out / "execution-environment.yml").write_text(header + yaml.safe_dump(offline, sort_keys=False))
    log(f"wrote {out / 'execution-environment.yml'} ({len(entries)} collections, {len(requirements)} requirements)")
    print(wheels)


if __name__ == "__main__":
    main()
