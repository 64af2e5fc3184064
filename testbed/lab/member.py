"""One member: an overlay over the cached image, booted with systemd-nspawn on the lab bridge."""

import os
import secrets
import zlib
import signal
import time
from pathlib import Path

from ._run import LabError, run
from . import _proc, network
from .network import member_addresses, veth_of_container

_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_NET_SCRIPT = """\
#!/bin/sh
# fsip lab: static addresses on host0 (no DAD: the lab plan is collision-free).
set -e
ip link set lo up
{mac}ip link set host0 up
ip addr replace {v4}/24 dev host0
ip addr replace {v6}/64 dev host0 nodad
"""

_NET_UNIT = """\
[Unit]
Description=fsip lab addresses on host0
DefaultDependencies=no
Before=network.target ssh.service
After=systemd-sysctl.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fsip-lab-net

[Install]
WantedBy=multi-user.target
"""


class BootExited(LabError):
    """systemd-nspawn exited before the member booted."""


class Member:
    """A running (or to-be-started) container. `workdir` holds upper/, work/ and root/."""

    def __init__(self, lab, name, index, workdir, state):
        self.lab, self.name, self.index = lab, name, index
        self.workdir = Path(workdir)
        self.root = self.workdir / "root"
        self.state = state  # dict persisted by the Lab: {"nspawn_pid": .., "veth": .., "mac": ..}
        self.ipv4, self.ipv6 = member_addresses(index)
        self.netns = network.lab_netns(lab)

    # -- life cycle -------------------------------------------------------------------------
    def prepare(self, image, pubkey, mac=None):
        """Mount the overlay and give this member its identity (idempotent).

        `mac`: the MAC of the cloud port this member plays (set on host0 before it comes up), or None
        to keep the one systemd-nspawn derives from the machine name.
        """
        for sub in ("upper", "work", "root"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        if not os.path.ismount(self.root):
            run(["mount", "-t", "overlay", "overlay", "-o",
                 f"lowerdir={image},upperdir={self.workdir / 'upper'},workdir={self.workdir / 'work'}",
                 str(self.root)])
        etc = self.root / "etc"
        if not (etc / "machine-id").read_text().strip():
            (etc / "machine-id").write_text(secrets.token_hex(16) + "\n")
        (etc / "hostname").write_text(f"{self.name}\n")
        if not list((etc / "ssh").glob("ssh_host_*_key")):
            run(["ssh-keygen", "-A", "-f", str(self.root)])
        ssh_dir = self.root / "root/.ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        keys = ssh_dir / "authorized_keys"
        keys.write_text(pubkey)
        keys.chmod(0o600)
        script = self.root / "usr/local/sbin/fsip-lab-net"
        mac_line = f"ip link set host0 address {mac}\n" if mac else ""
        script.write_text(_NET_SCRIPT.format(v4=self.ipv4, v6=self.ipv6, mac=mac_line))
        script.chmod(0o755)
        (etc / "systemd/system/fsip-lab-net.service").write_text(_NET_UNIT)
        wants = etc / "systemd/system/multi-user.target.wants/fsip-lab-net.service"
        if not wants.is_symlink():
            wants.symlink_to("/etc/systemd/system/fsip-lab-net.service")
        # The apt lists were fresh when the image was built: say so, as a new cloud image would.
        stamp = self.root / "var/lib/apt/periodic/update-success-stamp"
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()

    def start(self, bridge, logfile):
        if self.running():
            return
        network.delete_link(self.netns, self.host_veth_name)  # a leftover would make nspawn fail
        machine = self.machine
        cmd = ["nsenter", f"--net=/run/netns/{self.netns}", "systemd-nspawn", "--quiet", "-D", str(self.root), "--boot", "--register=no", "--keep-unit",
               f"--network-bridge={bridge}", f"--machine={machine}", f"--hostname={self.name}",
               "--console=passive", "--link-journal=no", "--resolv-conf=off", "--timezone=off"]
        self.state.update(nspawn_pid=_proc.spawn(cmd, logfile, str(self.root)), root=str(self.root),
                          log=str(logfile))
        self.state.pop("veth", None)
        self.state.pop("mac", None)

    def wait_booted(self, deadline):
        """Wait until the container's init exists and host0 is on the bridge."""
        while time.monotonic() < deadline:
            if not self._nspawn_alive():
                raise BootExited(f"{self.name}: systemd-nspawn exited during boot ({self._exit_status()}): "
                                 f"{self._log_tail()}")
            pid = self.init_pid()
            if pid and Path(f"/proc/{pid}/root/sys/class/net/host0").exists():
                self.state["veth"] = veth_of_container(self.netns, pid)
                return
            time.sleep(0.1)
        raise LabError(f"{self.name}: did not boot in time: {self._log_tail()}")

    def _exit_status(self):
        """How nspawn ended ('exit status N', 'killed by SIGX'), when this process can still reap it."""
        try:
            pid, status = os.waitpid(self.state["nspawn_pid"], os.WNOHANG)
        except (KeyError, ChildProcessError):
            return "exit status unknown"
        if not pid:
            return "still running"
        if os.WIFSIGNALED(status):
            return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
        return f"exit status {os.WEXITSTATUS(status)}"

    def _log_tail(self):
        try:
            return " | ".join(Path(self.state["log"]).read_text(errors="replace").strip().splitlines()[-5:])
        except (KeyError, OSError):
            return "(no log)"

    def stop(self, timeout=15):
        """Kill the container (its whole PID namespace) and wait for nspawn to clean up."""
        pid = self.state.get("nspawn_pid")
        if pid and self._nspawn_alive():
            init = self.init_pid()
            if init:
                _kill(init, signal.SIGKILL)
            deadline = time.monotonic() + timeout
            while self._nspawn_alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            if self._nspawn_alive():
                _kill(pid, signal.SIGKILL)
        self.state.pop("nspawn_pid", None)
        network.delete_link(self.netns, self.host_veth_name)

    def unmount(self):
        if os.path.ismount(self.root):
            if run(["umount", str(self.root)], check=False).returncode != 0:
                run(["umount", "-l", str(self.root)], check=False)

    # -- facts ------------------------------------------------------------------------------
    @property
    def machine(self):
        """Container name, short enough that nspawn's host-side veth is exactly 'vb-' + it (15 chars)."""
        lab = self.lab if len(self.lab) <= 5 else f"{self.lab[:3]}{zlib.crc32(self.lab.encode()) & 0xFF:02x}"
        return f"{lab}-{self.name}"

    @property
    def host_veth_name(self):
        return f"vb-{self.machine}"

    def running(self):
        return self._nspawn_alive() and self.init_pid() is not None

    def _nspawn_alive(self):
        pid = self.state.get("nspawn_pid")
        if not pid:
            return False
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return b"systemd-nspawn" in cmdline and str(self.root).encode() in cmdline

    def init_pid(self):
        """PID (on the host) of the container's systemd, or None."""
        pid = self.state.get("nspawn_pid")
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    @property
    def veth(self):
        """Host-side interface of this member's link (what cut_link sets down)."""
        return self.state["veth"]

    def mac(self):
        if "mac" not in self.state:
            self.state["mac"] = self.exec(["cat", "/sys/class/net/host0/address"]).stdout.strip()
        return self.state["mac"]

    # -- actions ----------------------------------------------------------------------------
    def exec(self, cmd, timeout=60, check=True, input=None):
        """Run a command inside the member (all its namespaces). `cmd` is a list or a shell string."""
        pid = self.init_pid()
        if not pid:
            raise LabError(f"{self.name} is not running")
        argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        return run(["nsenter", "-t", str(pid), "-a", "env", "-i", _PATH, "LC_ALL=C", *argv],
                   timeout=timeout, check=check, input=input)


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
