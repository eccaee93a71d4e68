"""The container engine the ECS agent runs tasks with: podman, or Docker where a daemon answers.

Every container is labelled with its owner (the agent's state directory), so the agent finds its
own after a restart and stops exactly those, by id. Host networking: each task binds its own
loopback address (the agent's stand-in for the awsvpc network interface of a Fargate task).
"""

import json
import os
import shutil
import subprocess

OWNER_LABEL = "offline-aws.owner"
TASK_LABEL = "offline-aws.task"
COMMAND_TIMEOUT = 120


class EngineError(RuntimeError):
    pass


def pick_engine(environment):
    """podman when installed, else Docker when its daemon answers; None when neither."""
    if shutil.which("podman"):
        return "podman"
    docker = shutil.which("docker")
    if docker:
        env = {**os.environ, **environment}
        probe = subprocess.run([docker, "info"], capture_output=True, env=env, timeout=20, check=False)  # noqa: S603
        if probe.returncode == 0:
            return "docker"
    return None


class Engine:
    def __init__(self, owner, environment, engine=None):
        self.owner = owner
        self.env = {**os.environ, **environment}
        self.binary = engine or pick_engine(environment)

    def _run(self, *args, timeout=COMMAND_TIMEOUT, check=True):
        if not self.binary:
            raise EngineError("no container engine: install podman (apt-get install podman) or start Docker")
        result = subprocess.run(  # noqa: S603 (our own arguments)
            [self.binary, *args], capture_output=True, text=True, env=self.env, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise EngineError(lines[-1] if lines else f"{args[0]} exited with {result.returncode}")
        return result

    def run(self, name, image, env_file, command, task_arn, stop_timeout):
        """Start a container detached on the host network; its id."""
        args = [
            "run", "--detach", "--network", "host", "--name", name, "--env-file", env_file,
            "--label", f"{OWNER_LABEL}={self.owner}", "--label", f"{TASK_LABEL}={task_arn}",
            "--stop-timeout", str(stop_timeout), image, *command,
        ]  # fmt: skip
        return self._run(*args).stdout.strip().splitlines()[-1]

    def states(self):
        """{container id: {"running", "exit_code", "task", "error"}} of the owner's containers."""
        listed = self._run("ps", "--all", "--quiet", "--no-trunc", "--filter", f"label={OWNER_LABEL}={self.owner}")
        ids = listed.stdout.split()
        if not ids:
            return {}
        inspected = self._run("inspect", *ids, check=False)
        found = {}
        for item in json.loads(inspected.stdout or "[]"):
            state = item.get("State", {})
            labels = (item.get("Config") or {}).get("Labels") or {}
            found[item["Id"]] = {
                "running": bool(state.get("Running")),
                "exit_code": state.get("ExitCode"),
                "error": state.get("Error") or "",
                "task": labels.get(TASK_LABEL, ""),
            }
        return found

    def exec(self, container_id, shell_command, timeout):
        """Run a health check command inside the container; True when it exits 0 in time."""
        try:
            result = self._run("exec", container_id, "/bin/sh", "-c", shell_command, timeout=timeout + 5, check=False)
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0

    def stop(self, container_id, timeout):
        self._run("stop", "--time", str(timeout), container_id, timeout=timeout + 30, check=False)

    def remove(self, container_id):
        self._run("rm", "--force", container_id, check=False)

    def logs(self, container_id, lines=20):
        result = self._run("logs", "--tail", str(lines), container_id, check=False)
        return (result.stdout + result.stderr).strip()

    def logs_since(self, container_id, since):
        """The container's output with RFC 3339 timestamps, from unix time ``since`` (0: all)."""
        args = ["logs", "--timestamps"] + (["--since", str(int(since))] if since else []) + [container_id]
        result = self._run(*args, check=False)
        return result.stdout + result.stderr

    def remove_all(self):
        """Every container of the owner, running or not (the agent's stop, and leftovers of a crash)."""
        if not self.binary:
            return 0
        ids = self._run(
            "ps", "--all", "--quiet", "--no-trunc", "--filter", f"label={OWNER_LABEL}={self.owner}", check=False
        ).stdout.split()
        if ids:
            self._run("rm", "--force", "--time", "1", *ids, check=False, timeout=180)
        return len(ids)
