"""Capture of gratuitous ARP and unsolicited neighbour advertisements on the lab bridge."""

import re
import time
from pathlib import Path

from . import _proc
from ._run import LabError, run

BPF = "arp or (icmp6 and ip6[40] == 136)"

_LINE = re.compile(r"^(?P<time>\d+\.\d+) (?P<mac>[0-9a-f:]{17}) > (?P<dst>[0-9a-f:]{17}), .*?: (?P<rest>.*)$")
_ARP_REQUEST = re.compile(r"Request who-has (?P<target>\S+)(?: \([^)]*\))? tell (?P<sender>\S+?),")
_ARP_REPLY = re.compile(r"Reply (?P<sender>\S+) is-at (?P<mac>\S+?),")
_NA = re.compile(r"^(?P<src>\S+) > (?P<dst>\S+): ICMP6, neighbor advertisement, tgt is (?P<target>\S+?),")


class Capture:
    """A running tcpdump writing to `path`; `stop()` returns what was announced."""

    def __init__(self, path, pid):
        self.path, self.pid = Path(path), pid

    @classmethod
    def start(cls, netns, bridge, path, max_seconds=600):
        path = Path(path)
        path.unlink(missing_ok=True)
        log = path.with_suffix(".tcpdump.log")
        log.write_text("")
        pid = _proc.spawn(["timeout", str(int(max_seconds)), "ip", "netns", "exec", netns, "tcpdump", "-i", bridge, "-U", "-nn", "-s", "200",
                           "-w", str(path), BPF], log, str(path))
        deadline = time.monotonic() + 20
        while "listening on" not in log.read_text():
            running = _proc.alive(pid, str(path))
            if time.monotonic() > deadline or not running:
                status = _proc.exit_status(pid)
                _proc.stop(pid, str(path))
                state = "still silent after 20s" if running else f"exited ({status})"
                raise LabError(f"tcpdump on {bridge} {state}: {log.read_text().strip()!r}")
            time.sleep(0.05)
        return cls(path, pid)

    def stop(self):
        """Stop tcpdump (SIGINT flushes the file) and return the parsed announcements."""
        _proc.stop(self.pid, str(self.path))
        return self.read()

    def read(self):
        if not self.path.exists():
            return []
        out = run(["tcpdump", "-r", str(self.path), "-nn", "-e", "-tt"], check=False).stdout
        return parse(out)


def parse(text):
    """tcpdump -nn -e -tt lines -> [{time, kind: garp|na, mac, address}], announcements only.

    A gratuitous ARP is a request or reply whose sender address is the address it announces;
    an unsolicited NA is a neighbour advertisement sent to a multicast address.
    """
    seen = []
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        rest, event = match["rest"], None
        request, reply, na = _ARP_REQUEST.search(rest), _ARP_REPLY.search(rest), _NA.search(rest)
        if request and request["target"] == request["sender"]:
            event = ("garp", request["target"])
        elif reply and match["dst"] == "ff:ff:ff:ff:ff:ff":
            event = ("garp", reply["sender"])
        elif na and na["dst"].lower().startswith("ff"):
            event = ("na", na["target"])
        if event:
            seen.append({"time": float(match["time"]), "kind": event[0], "mac": match["mac"],
                         "address": event[1]})
    return seen
