"""Operations and fixes that moto lacks and our modules need.

Each extension is a module in this package named for the AWS operation it adds or fixes
(`sagemaker_update_endpoint.py`, ...), or for the part of moto it makes cheaper
(`moto_api_reset.py`, `iam_backend_build.py`: the reset between tests). It exposes `apply()`,
which patches moto's response and backend classes in the server process before it serves,
following the shapes of the AWS API reference. Keep each one small and cover it with a test in tests/harness/.
"""

import importlib
import pkgutil


def extension_names():
    return sorted(
        name for _, name, is_pkg in pkgutil.iter_modules(__path__) if not is_pkg and not name.startswith("_")
    )


def apply_all():
    applied = []
    for name in extension_names():
        module = importlib.import_module(f"{__name__}.{name}")
        module.apply()
        applied.append(name)
    return applied
