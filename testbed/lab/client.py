"""The client host: a network namespace on the bridge that talks to the shared addresses."""

import json
import signal
import sys
import time
from pathlib import Path

from . import _proc
from ._run import LabError, run
from .network import CLIENT4

PROBE = Path(__file__).with_name("probe.py")


class Probe:
    """A running probe (see probe.py) writing its JSON result to `path` when stopped."""

    def __init__(self, path, pid):
        self.path, self.pid = Path(path), pid

    def stop(self):
        _proc.stop(self.pid, str(self.path), timeout=5)
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise LabError(f"probe wrote no result to {self.path}") from exc


class Running:
    """A process of the client's (stopped by `down` in any case)."""

    def __init__(self, pid, marker):
        self.pid, self.marker = pid, marker

    def stop(self):
        _proc.stop(self.pid, self.marker, sig=signal.SIGTERM)


class Client:
    def __init__(self, netns, workdir):
        self.netns, self.workdir = netns, Path(workdir)

    def exec(self, cmd, timeout=30, check=True):
        return run(["ip", "netns", "exec", self.netns, *cmd], timeout=timeout, check=check)

    def neighbour(self, address):
        """The client's neighbour entry for `address`: {address, mac, state} (mac None if unresolved)."""
        out = self.exec(["ip", "-j", "neigh", "show", "to", address, "dev", "eth0"]).stdout
        entries = json.loads(out or "[]")
        if not entries:
            return {"address": address, "mac": None, "state": None}
        entry = entries[0]
        return {"address": address, "mac": entry.get("lladdr"), "state": ",".join(entry.get("state", []))}

    def forget(self, address):
        """Drop the client's neighbour entry for `address` (so the next packet resolves afresh)."""
        self.exec(["ip", "neigh", "del", address, "dev", "eth0"], check=False)

    def start_probe(self, address, max_seconds=60, interval_ms=10, tag=None, gap_ms=1000, priority=None):
        """Start pinging `address` every `interval_ms`; stop() returns the measurements (silences of at least
        `gap_ms` listed in `gaps`). `priority`: run as a realtime task (SCHED_FIFO) of that priority."""
        tag = tag or f"probe-{address.replace(':', '_')}-{time.time_ns()}"
        path = self.workdir / f"{tag}.probe.json"
        path.unlink(missing_ok=True)
        realtime = ["chrt", "-f", str(priority)] if priority else []
        pid = _proc.spawn(["ip", "netns", "exec", self.netns, *realtime, sys.executable, str(PROBE), "--address", address,
                           "--seconds", str(max_seconds), "--interval-ms", str(interval_ms),
                           "--gap-ms", str(gap_ms), "--out", str(path)],
                          self.workdir / f"{tag}.probe.log", str(path))
        return Probe(path, pid)

    def start_bfd_peer(self, neighbors, interval_ms=50, multiplier=3):
        """keepalived's BFD process on the client, one session to each of `neighbors` (IPv4 addresses), as the
        router on the clients' side runs them; returns it as Running. It stops with the lab too (`down` ends
        every process of the client's namespace)."""
        conf = self.workdir / "bfd-peer.conf"
        conf.write_text("".join(
            f"bfd_instance peer{i} {{\n    neighbor_ip {ip}\n    source_ip {CLIENT4}\n    min_rx {interval_ms}\n"
            f"    min_tx {interval_ms}\n    multiplier {multiplier}\n}}\n" for i, ip in enumerate(neighbors)))
        pids = [self.workdir / f"bfd-peer.{kind}.pid" for kind in ("main", "bfd")]
        pid = _proc.spawn(["ip", "netns", "exec", self.netns, "keepalived", "--dont-fork", "--no-syslog",
                           "--log-console", "--log-detail", "--use-file", str(conf), "--pid", str(pids[0]),
                           "--bfd_pid", str(pids[1])], self.workdir / "bfd-peer.log", str(conf))
        return Running(pid, str(conf))

    def probe(self, address, seconds=2.0, interval_ms=10):
        """Ping `address` for `seconds` and return the measurements (blocking)."""
        out = self.exec([sys.executable, str(PROBE), "--address", address, "--seconds", str(seconds),
                         "--interval-ms", str(interval_ms)], timeout=seconds + 15).stdout
        return json.loads(out)
