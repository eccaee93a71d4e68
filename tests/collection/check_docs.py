"""ansible-doc must render every module of the installed collection, with examples and returns."""

import json
import os
import subprocess
import sys
from pathlib import Path


def main(collections_dir):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_dir)
    bin_dir = Path(sys.executable).parent
    listing = subprocess.run(
        [str(bin_dir / "ansible-doc"), "-t", "module", "-l", "mlops.aws_deploy", "-j"],
        env=env, capture_output=True, text=True, check=True,
    )
    modules = sorted(json.loads(listing.stdout))
    module_dir = Path(collections_dir) / "ansible_collections/mlops/aws_deploy/plugins/modules"
    expected = sorted(p.stem for p in module_dir.glob("*.py") if p.stem != "__init__")
    problems = []
    if modules != [f"mlops.aws_deploy.{name}" for name in expected]:
        problems.append(f"ansible-doc lists {modules}, the tarball has {expected}")
    for module in modules:
        doc = subprocess.run(
            [str(bin_dir / "ansible-doc"), "-t", "module", module, "-j"], env=env, capture_output=True, text=True
        )
        if doc.returncode != 0:
            problems.append(f"{module}: ansible-doc failed: {doc.stderr.strip()}")
            continue
        entry = json.loads(doc.stdout)[module]
        for section in ("doc", "examples", "return"):
            if not entry.get(section):
                problems.append(f"{module}: no {section.upper()}")
    for problem in problems:
        print(problem)
    print(f"ansible-doc rendered {len(modules)} modules, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
