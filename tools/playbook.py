"""Run ansible-playbook for the tools: full log to a file, one progress line per task on the way."""

import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tools.paths import BIN, PLAYBOOK, ansible_env

_TASK = re.compile(r"^TASK \[(?P<name>.*)\] \*+$")
_RECAP = re.compile(r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
                    r"\s+failed=(?P<failed>\d+)")


@dataclass
class PlaybookRun:
    rc: int
    seconds: float
    log: Path
    recap: dict  # host -> {"ok":, "changed":, "unreachable":, "failed":}

    @property
    def changed(self):
        return sum(h["changed"] for h in self.recap.values())

    def tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def cloud_env(login):
    """Environment variables that carry the cloud credentials to the playbook (never on the command line)."""
    env = {"RAX_USERNAME": login["username"], "RAX_API_KEY": login["api_key"]}
    if login.get("region"):
        env["RAX_REGION"] = login["region"]
    return env


def local_inventory(path):
    """Write an inventory of localhost alone (local connection, the playbook's own Python) to `path`."""
    path.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
                    "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n")
    return path


def run_playbook(inventory, log, extra_vars=None, env=None, on_task=None, playbook=PLAYBOOK,
                 args=()):
    """Run a playbook, writing its whole output to `log`; call on_task(name) as each task starts."""
    cmd = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    cmd += list(args)
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    recap = {}
    ssh_dir = log.parent / "cp"  # ssh connection sharing of this run only (labs side by side reuse addresses)
    ssh_dir.mkdir(exist_ok=True)
    env = {"ANSIBLE_SSH_CONTROL_PATH_DIR": str(ssh_dir), **(env or {})}
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=ansible_env(env), start_new_session=True)
        try:
            for line in proc.stdout:
                out.write(line)
                line = line.rstrip()
                task = _TASK.match(line)
                if task and on_task:
                    on_task(task.group("name"))
                totals = _RECAP.match(line)
                if totals:
                    recap[totals.group("host")] = {k: int(v) for k, v in totals.groupdict().items() if k != "host"}
            rc = proc.wait()
        finally:
            _stop(proc)
    return PlaybookRun(rc=rc, seconds=time.monotonic() - started, log=log, recap=recap)


def _stop(proc):
    """Stop ansible-playbook and everything it started (its own session), if it still runs."""
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
    proc.stdout.close()
