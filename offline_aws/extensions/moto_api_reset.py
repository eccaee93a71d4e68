"""moto's reset (``POST /moto-api/reset``, between every two tests): drop the backends, do not rebuild them first.

moto's ``BackendDict.reset`` re-initialises every region's backend in place and then throws them all
away (``backend.clear()``); the next request builds a fresh one anyway. With the AWS managed
policies loaded, each IAM backend's ``__init__`` parses about 1,300 of them, once per partition the
account touched: 4 to 8 s of the server's CPU per reset on these 2 cores, paid by every test. Here
the reset calls only the ``reset`` methods that release something (S3's temporary files of its
objects, Batch's job threads) and drops the rest unbuilt. Nothing keeps a backend across a reset:
moto and the extensions look them up per request.
"""

from moto.core.base_backend import BackendDict, BaseBackend, backend_lock


def _releases_something(backend):
    return type(backend).reset is not BaseBackend.reset


def reset():
    with backend_lock:
        for backend_dict in BackendDict._instances:
            for account_backend in backend_dict.values():
                for region_backend in account_backend.values():
                    if _releases_something(region_backend):
                        region_backend.reset()
            backend_dict.clear()
        BackendDict._instances.clear()


def apply():
    BackendDict.reset = staticmethod(reset)
