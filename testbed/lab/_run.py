"""Running host commands with a bound on time, and the lab's error type."""

import os
import shlex
import subprocess


class LabError(RuntimeError):
    """The lab could not do what was asked; the message says what and why."""


def require_root():
    if os.geteuid() != 0:
        raise LabError("the lab needs root (systemd-nspawn, bridges, network namespaces): run it as root")


def run(cmd, timeout=60, check=True, input=None, capture=True):
    """Run `cmd` (a list) and return CompletedProcess; raise LabError on failure or timeout."""
    try:
        proc = subprocess.run(cmd, input=input, text=True, timeout=timeout,
                              stdout=subprocess.PIPE if capture else None,
                              stderr=subprocess.PIPE if capture else None, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout}s: {shlex.join(cmd)}") from exc
    except FileNotFoundError as exc:
        raise LabError(f"command not found: {cmd[0]} (run `make deps`)") from exc
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout or "").strip()
        raise LabError(f"failed ({proc.returncode}): {shlex.join(cmd)}: {detail}")
    return proc
