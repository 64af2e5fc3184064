"""Background helper processes (probes, captures) that outlive the command that started them."""

import os
import signal
import subprocess
import time
from pathlib import Path


def spawn(cmd, logfile, marker):
    """Start `cmd` in its own session; return its pid once /proc shows it with `marker` (or it exited)."""
    with open(logfile, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 5
    while not alive(proc.pid, marker) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # just after exec, /proc/<pid>/cmdline may not show the new program yet
    return proc.pid


def alive(pid, marker):
    """True if `pid` runs and its command line contains `marker` (guards against reused pids)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return marker.encode() in cmdline and stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(pid, marker, sig=signal.SIGINT, timeout=10.0):
    """Signal our process, wait for it to exit, kill it if it will not; reap it if it is our child."""
    if alive(pid, marker):
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while alive(pid, marker) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if alive(pid, marker):
            os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid):
    """Reap our child if it has exited; return its wait status (None if not ours or running)."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return status if done else None


def exit_status(pid):
    status = _reap(pid)
    return None if status is None else os.waitstatus_to_exitcode(status)


def find(marker):
    """Pids of processes whose command line contains `marker` (for cleaning up a lost lab)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and alive(int(entry.name), marker):
            pids.append(int(entry.name))
    return pids
