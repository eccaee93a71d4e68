"""Helpers shared by the ml-model-service tests (a uniquely named module, see conftest)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import httpx

SERVICE_ROOT = Path(__file__).resolve().parents[1]
if str(SERVICE_ROOT) not in sys.path:
    sys.path.insert(0, str(SERVICE_ROOT))

from ml_model_service.settings import Settings  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_settings(**overrides) -> Settings:
    values = {"access_log": False, "drift_min_samples": 20, "drift_window": 200}
    values.update(overrides)
    return Settings(**values)


def tampered_copy(source: Path, target_dir: Path) -> Path:
    """A bundle whose model.onnx no longer matches metadata model_sha256."""
    target_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "model.tar.gz") as tar:
        onnx_bytes = tar.extractfile("model.onnx").read()
        meta_bytes = tar.extractfile("metadata.json").read()
    onnx_bytes = onnx_bytes + b"\x00"
    out = target_dir / "model.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for name, payload in (("model.onnx", onnx_bytes), ("metadata.json", meta_bytes)):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return out


class ServerProcess:
    """python -m <module> on 127.0.0.1:<port>; stopped by PID and waited for."""

    def __init__(
        self, module: str, env: dict[str, str], port: int, cwd: Path, log: Path, command: list[str] | None = None
    ):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        full_env = {**os.environ, **env, "PORT": str(port), "HOST": "127.0.0.1"}
        full_env["PYTHONPATH"] = os.pathsep.join([str(cwd), full_env.get("PYTHONPATH", "")])
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", module], env=full_env, cwd=cwd, stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, path: str = "/ready", timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(self.url + path, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"server not ready after {timeout}s: {self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
