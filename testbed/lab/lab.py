"""The Lab: members on a bridge plus a client, built from the cached image, torn down without trace."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import _proc, faults, network, portsec
from ._run import LabError, require_root, run
from .capture import Capture
from .client import Client, Probe
from .image import ensure_image
from .member import BootExited, Member

REPO = Path(__file__).resolve().parents[2]
STATE_ROOT = Path(os.environ.get("FSIP_LAB_STATE", REPO / ".lab"))
RUN_ROOT = Path(os.environ.get("FSIP_LAB_RUN", "/var/lib/fsip-lab"))
DEFAULT_NAME = "lab"
RELAY = Path(__file__).with_name("relay.py")
WATCHER = Path(__file__).with_name("watch.py")
CLOUDRUN = Path(__file__).with_name("cloudrun.py")
TOOLS = ("debootstrap", "systemd-nspawn", "nsenter", "ip", "tcpdump", "ssh", "ssh-keygen", "mount")
SSH_OPTIONS = ("-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=2")
SSH_PATIENCE = 60  # seconds a booted member may take to answer ssh before it is started once more (a few here)


class Lab:
    """A lab called `name` with `members` containers node01..nodeNN (see README.md)."""

    def __init__(self, name=DEFAULT_NAME, members=3, distro="bookworm", log=print, cloud=None,
                 cloud_region=portsec.DEFAULT_REGION, cloud_network=portsec.DEFAULT_NETWORK):
        if not name.replace("-", "").isalnum() or len(name) > 10:
            raise LabError(f"lab name {name!r} must be letters, digits and '-', at most 10 characters")
        if not 1 <= members <= 9:
            raise LabError(f"members={members} must be between 1 and 9")
        self.name, self.distro, self.log = name, distro, log
        self.state_dir = STATE_ROOT / name
        self.run_dir = RUN_ROOT / name
        self.bridge = network.bridge_name(name)
        self.netns = network.lab_netns(name)
        self.state = self._load() or {"name": name, "distro": distro, "members": {}}
        self.count = members if not self.state["members"] else len(self.state["members"])
        self.client = Client(network.netns_name(name), self.state_dir)
        if cloud:  # the simulator whose servers the members play (port security follows its state)
            self.state["cloud"] = {"url": cloud.rstrip("/"), "region": cloud_region, "network": cloud_network}

    # -- paths and state ----------------------------------------------------------------------
    @property
    def key(self):
        return self.state_dir / "id_ed25519"

    @property
    def inventory(self):
        return self.state_dir / "inventory.yml"

    @property
    def names(self):
        return [f"node{i:02d}" for i in range(1, self.count + 1)]

    def _load(self):
        try:
            return json.loads((self.state_dir / "state.json").read_text())
        except (OSError, ValueError):
            return None

    def _save(self):
        self.state_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.state_dir / "state.json.tmp"
        tmp.write_text(json.dumps(self.state, indent=2) + "\n")
        os.replace(tmp, self.state_dir / "state.json")

    def member(self, name):
        if name not in self.names:
            raise LabError(f"no member {name!r} in lab {self.name!r} (members: {', '.join(self.names)})")
        index = int(name[4:])
        return Member(self.name, name, index, self.run_dir / name, self.state["members"].setdefault(name, {}))

    @property
    def members(self):
        return [self.member(name) for name in self.names]

    # -- up / down -----------------------------------------------------------------------------
    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()

    def up(self, timeout=180):
        """Build what is missing and wait until every member answers ssh. Idempotent."""
        require_root()
        missing = [tool for tool in TOOLS if not shutil.which(tool)]
        if missing:
            raise LabError(f"missing host tools: {', '.join(missing)} (run `make deps`)")
        started = time.monotonic()
        try:
            self._up(timeout)
        except BaseException:
            self.log(f"lab {self.name}: up failed, tearing down")
            self.down()
            raise
        self.log(f"lab {self.name}: {self.count} members up in {time.monotonic() - started:.1f}s")
        return self

    def _up(self, timeout):
        image = ensure_image(self.distro, log=self.log)
        self.state.update(image=str(image), distro=self.distro)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._save()
        if not self.key.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"fsip-lab-{self.name}", "-f", str(self.key)])
        self.key.chmod(0o600)
        network.ensure_bridge(self.name)
        macs = self._port_security(image)  # before the first member boots: no moment without the filter
        network.ensure_client(self.name)
        pubkey = self.key.with_suffix(".pub").read_text()
        for member in self.members:
            member.prepare(image, pubkey, mac=macs.get(member.name))
            member.start(self.bridge, self.state_dir / f"{member.name}.log")
            self._save()
        deadline = time.monotonic() + timeout
        for member in self.members:
            try:
                member.wait_booted(deadline)
            except BootExited as exc:
                # Seen once in a CI run under load, with nothing in nspawn's log: one more start.
                self.log(f"lab {self.name}: {exc}; starting {member.name} once more")
                member.start(self.bridge, self.state_dir / f"{member.name}.log")
                member.wait_booted(deadline)
        self._save()
        for member in self.members:
            try:  # ssh starts after fsip-lab-net: host0 has its final MAC
                self._wait_ssh(member, min(deadline, time.monotonic() + SSH_PATIENCE))
            except LabError as exc:
                # Seen once in a CI run: a trixie member that never answered ARP. Say why, then one more start.
                self.log(f"lab {self.name}: {exc}\nlab {self.name}: starting {member.name} once more")
                member.stop()
                member.start(self.bridge, self.state_dir / f"{member.name}.log")
                member.wait_booted(deadline)
                self._wait_ssh(member, deadline)
            member.state.pop("mac", None)
            if macs and member.mac() != macs[member.name]:
                raise LabError(f"{member.name}: host0 has MAC {member.mac()}, its cloud port {macs[member.name]}")
        self._save()
        self._write_inventory()

    # -- port security ---------------------------------------------------------------------------
    def _port_security(self, image):
        """Install the bridge filter that lets each member's port send only what the cloud allows it, and
        the watcher that keeps it equal to the simulator's state. Returns {member: MAC of its cloud port}
        ({} when there is no simulator: the lab says so and runs without port security)."""
        cloud = self.state.get("cloud")
        if not cloud:
            return self._no_port_security("no cloud simulator given (up --cloud URL)")
        try:
            members = portsec.plan(portsec.read_state(cloud["url"]), self.names,
                                   {m.name: [m.ipv4, m.ipv6] for m in self.members}, cloud["region"], cloud["network"])
        except portsec.CloudUnavailable as exc:
            return self._no_port_security(str(exc))
        except portsec.NotAServer as exc:
            raise LabError(f"the simulator at {cloud['url']} does not hold this lab's members: {exc}") from exc
        ports = {m.name: m.host_veth_name for m in self.members}
        allowed = {name: {"v4": p["v4"], "v6": p["v6"]} for name, p in members.items()}
        table = portsec.table_name(self.name)
        network.nft(self.name, image, "-f", "-", input=f"add table bridge {table}\ndelete table bridge {table}\n"
                    + portsec.ruleset(self.name, ports, allowed))
        config = self.state_dir / "portsec.json"
        config.write_text(json.dumps({
            "netns": self.netns, "nft": network.nft_command(image), "members": self.names,
            "fixed": {m.name: [m.ipv4, m.ipv6] for m in self.members}, "region": cloud["region"],
            "network": cloud["network"], "allowed": allowed}))
        watcher = self.state.get("port_security", {}).get("watcher")
        if not (watcher and _proc.alive(watcher, str(WATCHER))):
            watcher = _proc.spawn([sys.executable, str(WATCHER), "--lab", self.name, "--url", cloud["url"],
                                   "--config", str(config), "--log", str(self.state_dir / "portsec.log")],
                                  self.state_dir / "portsec.watch.log", str(WATCHER))
        self.state["port_security"] = {"enabled": True, "table": table, "watcher": watcher}
        self._save()
        self.log(f"lab {self.name}: port security ON: each member's port sends only from its fixed addresses and the "
                 f"shared IPs the simulator at {cloud['url']} associates with it (nft table bridge {table})")
        return {name: p["mac"] for name, p in members.items()}

    def _no_port_security(self, why):
        self.state["port_security"] = {"enabled": False, "why": why}
        self._save()
        self.log(f"lab {self.name}: {why}: running WITHOUT port security (members may send from any address)")
        return {}

    def port_security(self):
        """{enabled, cloud, why, members: {member: {allowed: [...], drops: {arp, ip4, ip6, na}}}} read from the
        bridge itself (the nft table), not from the watcher's idea of it."""
        info = dict(self.state.get("port_security") or {"enabled": False, "why": "the lab is not up"})
        info["cloud"] = (self.state.get("cloud") or {}).get("url")
        info.pop("watcher", None)
        if info["enabled"]:
            out = network.nft(self.name, self.state["image"], "-j", "list", "table", "bridge", info["table"]).stdout
            info["members"] = portsec.per_member(portsec.parse_table(out), self.names)
        return info

    def port_security_log(self):
        """The watcher's record of the changes it applied: [{time, read_at, applied_ms, allowed}] (or errors)."""
        try:
            lines = (self.state_dir / "portsec.log").read_text().splitlines()
        except OSError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def drops(self):
        """{member: {arp, ip4, ip6, na}}: packets the bridge dropped from each member's port so far."""
        info = self.port_security()
        if not info["enabled"]:
            raise LabError(f"lab {self.name} runs without port security ({info.get('why')}): no drop counters")
        return {m: v["drops"] for m, v in info["members"].items()}

    def start_cloud(self, port=0, timeout=30):
        """Start a simulator owned by this lab (stopped by `down`); return its URL."""
        require_root()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        info = self.state_dir / "cloud.json"
        pid = self.state.get("cloud_process")
        if pid and _proc.alive(pid, str(CLOUDRUN)) and info.exists():
            return json.loads(info.read_text())["url"]
        info.unlink(missing_ok=True)
        pid = _proc.spawn([sys.executable, str(CLOUDRUN), "--state-dir", str(self.state_dir), "--port", str(port)],
                          self.state_dir / "cloud.log", str(CLOUDRUN))
        deadline = time.monotonic() + timeout
        while not info.exists():
            if not _proc.alive(pid, str(CLOUDRUN)) or time.monotonic() > deadline:
                _proc.stop(pid, str(CLOUDRUN), timeout=3)
                raise LabError(f"the lab's simulator did not start: {(self.state_dir / 'cloud.log').read_text()}")
            time.sleep(0.05)
        self.state["cloud_process"] = pid
        self._save()
        return json.loads(info.read_text())["url"]

    def _wait_ssh(self, member, deadline):
        while True:
            proc = subprocess.run(["ssh", *self.ssh_args(), f"root@{member.ipv4}", "true"],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, check=False)
            if proc.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise LabError(f"{member.name}: ssh to {member.ipv4} does not answer: {proc.stderr.strip()}\n"
                               f"{self._diagnose(member)}")
            time.sleep(0.3)

    def _diagnose(self, member):
        """What a member that does not answer looks like from inside, and what the bridge dropped from it."""
        lines = []
        script = ("ip -br link show host0; ip -br addr show host0; systemctl is-system-running; "
                  "systemctl --no-pager --failed --plain; "
                  "journalctl --no-pager -b -n 15 -u fsip-lab-net -u ssh -u systemd-networkd")
        try:
            lines.append(member.exec(script, timeout=20, check=False).stdout.strip())
        except Exception as exc:  # noqa: BLE001 - a diagnosis must not hide the error it explains
            lines.append(f"(inside {member.name}: {exc})")
        if self.state.get("port_security", {}).get("enabled"):
            try:
                lines.append(f"the bridge for {member.name}: {self.port_security()['members'][member.name]}")
            except Exception as exc:  # noqa: BLE001
                lines.append(f"(bridge: {exc})")
        return "\n".join(lines)

    def ssh_args(self):
        """ssh options that reach the members (through relay.py inside the lab namespace)."""
        return ["-i", str(self.key), *SSH_OPTIONS, "-o", f"ProxyCommand={self.proxy_command}"]

    @property
    def proxy_command(self):
        return f"nsenter --net=/run/netns/{self.netns} {sys.executable} {RELAY} %h %p"

    def _write_inventory(self):
        lines = ["# Written by testbed/lab for the lab %r; removed by `python -m testbed.lab down`." % self.name,
                 "all:", "  children:", "    members:", "      hosts:"]
        for member in self.members:
            lines += [f"        {member.name}:", f"          ansible_host: {member.ipv4}",
                      f"          lab_ipv6: \"{member.ipv6}\"", f"          lab_mac: \"{member.mac()}\""]
        ssh_common = " ".join(SSH_OPTIONS[:-2]) + f" -o ProxyCommand='{self.proxy_command}'"
        lines += ["      vars:", "        ansible_user: root",
                  f"        ansible_ssh_private_key_file: {self.key}",
                  f"        ansible_ssh_common_args: \"{ssh_common}\"",
                  "        ansible_ssh_pipelining: true",
                  # Every lab uses the same member addresses: a control socket per lab keeps
                  # ssh's connection sharing from reaching another lab's member.
                  f"        ansible_control_path_dir: {self.run_dir / 'cp'}",
                  "        ansible_python_interpreter: /usr/bin/python3",
                  f"        lab_name: {self.name}", f"        lab_bridge: {self.bridge}"]
        self.inventory.write_text("\n".join(lines) + "\n")

    def down(self):
        """Remove everything this lab made: processes, mounts, links, namespace, rules, state."""
        require_root()
        # Probes and captures (their files are in the state dir), then the members, then anything
        # else still running from this lab's directories (a lab whose state was lost).
        for pid in _proc.find(f"{self.state_dir}/"):
            _proc.stop(pid, f"{self.state_dir}/", timeout=3)
        # A frozen member cannot die: thaw it first. Then whatever runs in the lab's network namespaces
        # without being a member's own process (floods, address monitors of the soak: faults.py).
        faults.release_freezer(self.name)
        namespaces = [f"/run/netns/{self.netns}", f"/run/netns/{self.client.netns}"]
        for member in self.members:
            if member.running():
                namespaces.append(f"/proc/{member.init_pid()}/ns/net")
        faults.kill_all([pid for path in namespaces for pid in faults.processes_in_netns(path)
                         if not self._member_process(pid)])
        for name in list(self.state.get("members", {})):
            Member(self.name, name, int(name[4:]), self.run_dir / name, self.state["members"][name]).stop()
        for pid in _proc.find(f"{self.run_dir}/"):
            _proc.stop(pid, f"{self.run_dir}/", sig=signal.SIGKILL, timeout=5)
        for mount in _mounts_under(self.run_dir):
            if run(["umount", mount], check=False).returncode != 0:
                run(["umount", "-l", mount], check=False)
        if _mounts_under(self.run_dir):
            raise LabError(f"mounts under {self.run_dir} are still busy; not removing it")
        network.delete_netns(self.client.netns)
        network.delete_netns(self.netns)  # takes the bridge, the veths and the nftables table with it
        shutil.rmtree(self.run_dir, ignore_errors=True)
        shutil.rmtree(self.state_dir, ignore_errors=True)
        cloud = self.state.get("cloud") if not self.state.get("cloud_process") else None
        self.state = {"name": self.name, "distro": self.distro, "members": {}, **({"cloud": cloud} if cloud else {})}

    def _member_process(self, pid):
        """True if `pid` is one of a member's own processes or its systemd-nspawn (the member's stop takes care
        of those)."""
        if _proc.alive(pid, f"{self.run_dir}/"):
            return True
        inode = faults.namespace_of(pid, "pid")
        return any(member.running() and faults.namespace_of(member.init_pid(), "pid") == inode
                   for member in self.members)

    # -- status --------------------------------------------------------------------------------
    def status(self):
        members = {}
        for member in self.members:
            members[member.name] = {"running": member.running(), "ipv4": member.ipv4, "ipv6": member.ipv6,
                                    "mac": member.state.get("mac"), "veth": member.state.get("veth"),
                                    "link": self._link_state(member.state.get("veth"))}
        return {"name": self.name, "distro": self.state.get("distro"), "bridge": self.bridge,
                "netns": self.netns, "bridge_present": network.link_exists(self.netns, self.bridge),
                "client_netns": self.client.netns,
                "inventory": str(self.inventory), "ssh_key": str(self.key), "members": members,
                "partitioned": bool(self.state.get("partition")),
                "cloud": (self.state.get("cloud") or {}).get("url"),
                "port_security": bool((self.state.get("port_security") or {}).get("enabled"))}

    def _link_state(self, veth):
        if not veth or not network.link_exists(self.netns, veth):
            return None
        flags = json.loads(network.ip(self.netns, "-j", "link", "show", veth).stdout)[0]["flags"]
        return "up" if "UP" in flags else "down"

    # -- faults ----------------------------------------------------------------------------------
    def cut_link(self, name):
        """Hard failure of `name`: its link goes down on the host side (no goodbye on the wire)."""
        network.set_link(self.netns, self.member(name).veth, up=False)

    def restore_link(self, name):
        network.set_link(self.netns, self.member(name).veth, up=True)

    def partition(self, side_a, side_b):
        """Cut member-to-member traffic between the two sets; host and client still reach both."""
        side_a, side_b = list(side_a), list(side_b)
        if set(side_a) & set(side_b) or not side_a or not side_b:
            raise LabError(f"partition needs two disjoint, non-empty sets of members: {side_a} / {side_b}")
        network.partition(self.name, self.state["image"], [self.member(n).veth for n in side_a],
                          [self.member(n).veth for n in side_b])
        self.state["partition"] = [side_a, side_b]
        self._save()

    def isolate_from_client(self, name):
        """Drop every frame between member `name` and the client, both ways: the member loses its path to the
        clients' side while VRRP between the members still works. heal() ends it."""
        network.partition(self.name, self.state["image"], [self.member(name).veth], [network.client_veth(self.name)])
        self.state["partition"] = [[name], ["client"]]
        self._save()

    def heal(self):
        network.heal(self.name, self.state["image"])
        self.state.pop("partition", None)
        self._save()

    def mac_of(self, name):
        return self.member(name).mac()

    def holder_of(self, address):
        """The member whose MAC the client would resolve `address` to now, from the MAC table (or None)."""
        macs = {self.mac_of(name): name for name in self.names}
        return macs.get(self.client.neighbour(address)["mac"])

    # -- wire ------------------------------------------------------------------------------------
    def start_capture(self, tag="capture", max_seconds=600, member=None):
        """tcpdump for GARPs and unsolicited NAs; `.stop()` returns them. On the bridge (what got through to
        the rest of the lab), or with `member` on that member's bridge port (all it sent, before any filter)."""
        interface = self.bridge if member is None else self.member(member).veth
        capture = Capture.start(self.netns, interface, self.state_dir / f"{tag}.capture.pcap", max_seconds=max_seconds)
        self.state.setdefault("captures", {})[tag] = capture.pid
        self._save()
        return capture

    def capture(self, tag="capture"):
        """The Capture started under `tag` (possibly by another process)."""
        pid = self.state.get("captures", {}).get(tag)
        if pid is None:
            raise LabError(f"no capture {tag!r} running in lab {self.name!r}")
        return Capture(self.state_dir / f"{tag}.capture.pcap", pid)

    def start_probe(self, address, tag="probe", max_seconds=120, interval_ms=10, gap_ms=1000, priority=None):
        """Client pings `address` every `interval_ms` until `.stop()` (or max_seconds); silences of at least
        `gap_ms` are listed in the result's `gaps`; `priority`: realtime (SCHED_FIFO) priority of the probe."""
        probe = self.client.start_probe(address, max_seconds=max_seconds, interval_ms=interval_ms, tag=tag,
                                        gap_ms=gap_ms, priority=priority)
        self.state.setdefault("probes", {})[tag] = probe.pid
        self._save()
        return probe

    def probe(self, tag="probe"):
        """The Probe started under `tag` (possibly by another process)."""
        pid = self.state.get("probes", {}).get(tag)
        if pid is None:
            raise LabError(f"no probe {tag!r} running in lab {self.name!r}")
        return Probe(self.state_dir / f"{tag}.probe.json", pid)


def _mounts_under(path):
    prefix = str(path).rstrip("/") + "/"
    mounts = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        target = line.split()[1].replace("\\040", " ")
        if target.startswith(prefix):
            mounts.append(target)
    return sorted(mounts, key=len, reverse=True)


def all_lab_names():
    """Every lab that left anything behind: state dirs, run dirs, bridges."""
    names = set()
    for root in (STATE_ROOT, RUN_ROOT):
        if root.is_dir():
            names.update(entry.name for entry in root.iterdir() if entry.is_dir())
    for ns in network.netns_list():
        if ns.startswith("fsip-"):
            names.add(ns[5:-7] if ns.endswith("-client") else ns[5:])
    return sorted(names)
