"""Faults of load and scheduling, each bounded in time and kept inside the lab (its members' PID and network
namespaces, its own freezer cgroups), for the soak (tools/soak.py):

- attach() and freeze(): every process of one member stopped at once for a while (cgroup v1 freezer), as a
  paused VM;
- rt_burst(): a realtime CPU hog on every core for some ms, in a member, ended from outside by a
  higher-priority realtime parent (the hog itself also stops at its deadline and at RLIMIT_RTTIME);
- in_member(): the argv that runs a program of this machine (stress-ng, ip) inside a member's PID and
  network namespaces, so that it dies with the member;
- processes_in_netns(): what `Lab.down` kills besides the members (floods, monitors).
"""

import os
import signal
import time
from pathlib import Path

from ._run import LabError

FREEZER = Path("/sys/fs/cgroup/freezer")
RT_HOG = Path(__file__).with_name("rthog.py")


def namespace_of(pid, kind):
    try:
        return os.stat(f"/proc/{pid}/ns/{kind}").st_ino
    except OSError:
        return None


def pids_in_namespace(kind, inode):
    """Host pids of every process whose `kind` namespace (pid, net) is `inode`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid() and namespace_of(entry.name, kind) == inode:
            found.append(int(entry.name))
    return found


def member_pids(member):
    """Host pids of every process of a running member (its PID namespace)."""
    init = member.init_pid()
    if not init:
        raise LabError(f"{member.name} is not running")
    return pids_in_namespace("pid", namespace_of(init, "pid"))


def processes_in_netns(path):
    """Host pids of the processes in the network namespace at `path` (/run/netns/NAME or /proc/PID/ns/net)."""
    try:
        inode = os.stat(path).st_ino
    except OSError:
        return []
    return pids_in_namespace("net", inode)


def in_member(member, argv):
    """argv that runs `argv` (a program of this machine) in the member's PID, network, UTS and IPC namespaces:
    it sees the member's network and dies with the member."""
    init = member.init_pid()
    if not init:
        raise LabError(f"{member.name} is not running")
    return ["nsenter", "-t", str(init), "--pid", "--net", "--uts", "--ipc", "--", *argv]


def in_member_net(member, argv):
    """argv that runs `argv` in the member's network namespace only (not frozen with the member)."""
    init = member.init_pid()
    if not init:
        raise LabError(f"{member.name} is not running")
    return ["nsenter", "-t", str(init), "--net", "--", *argv]


def freezer_dir(lab_name, member_name):
    return FREEZER / f"fsip-{lab_name}" / member_name


def attach(member, lab_name):
    """Move every process of `member` into its freezer cgroup (made if missing), thawed; returns the cgroup.

    The soak attaches each member before its faults start: a member's first freeze is then a freeze alone.
    A freeze right after the move made a standby's keepalived take an address at the thaw in 3 of 47
    freezes, against 0 of 241 freezes of a member already attached (the role README, "Timer profiles")."""
    if not (FREEZER / "cgroup.procs").exists():
        raise LabError(f"no cgroup v1 freezer at {FREEZER}: cannot freeze {member.name}")
    group = freezer_dir(lab_name, member.name)
    group.mkdir(parents=True, exist_ok=True)
    for pid in member_pids(member):
        try:
            (group / "cgroup.procs").write_text(str(pid))
        except OSError:
            pass  # exited meanwhile
    return group


def freeze(member, lab_name, seconds):
    """Stop every process of `member` for `seconds` (cgroup v1 freezer), then thaw it, even on error.
    Processes the member started since the last attach are attached first. Returns the seconds it
    really stayed frozen."""
    group = attach(member, lab_name)
    started = time.monotonic()
    try:
        (group / "freezer.state").write_text("FROZEN")
        time.sleep(seconds)
    finally:
        thaw(group)
    return time.monotonic() - started


def thaw(group):
    """Thaw a freezer cgroup and wait until the kernel says so (5 s at most)."""
    state = group / "freezer.state"
    if not state.exists():
        return
    state.write_text("THAWED")
    deadline = time.monotonic() + 5
    while state.read_text().strip() != "THAWED" and time.monotonic() < deadline:
        time.sleep(0.01)


def release_freezer(lab_name):
    """Thaw this lab's freezer cgroups, move what is left in them back to the root one and remove them."""
    top = FREEZER / f"fsip-{lab_name}"
    if not top.is_dir():
        return
    for group in [path for path in top.iterdir() if path.is_dir()]:
        thaw(group)
        for pid in (group / "cgroup.procs").read_text().split():
            try:
                (FREEZER / "cgroup.procs").write_text(pid)
            except OSError:
                pass
        group.rmdir()
    top.rmdir()


def rt_burst(member, milliseconds, priority=50, cpus=None):
    """A realtime (SCHED_FIFO `priority`) busy loop on every core for `milliseconds`, inside `member`.

    rthog.py runs as SCHED_FIFO 99: it starts one hog per core, sleeps, kills them (a realtime hog cannot
    be trusted to end itself, but a realtime parent of higher priority wakes on time). Blocks until done;
    returns the seconds it took."""
    from ._run import run

    cpus = cpus or os.cpu_count() or 1
    argv = in_member(member, ["chrt", "-f", "99", "python3", str(RT_HOG), "--ms", str(int(milliseconds)),
                              "--priority", str(priority), "--cpus", str(cpus)])
    started = time.monotonic()
    run(argv, timeout=milliseconds / 1000 + 30)
    return time.monotonic() - started


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
