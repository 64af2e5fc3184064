"""The data-plane side of the tools, on the lab (testbed/lab): who holds which address, and one move
measured the way a client notices it (interruption, gratuitous ARPs on the wire)."""

import ipaddress
import json
import time
from dataclasses import dataclass, field

from tools.paths import ROOT

LAB_INTERFACE = "host0"  # the members' interface on the lab bridge (the cluster network)
# The role's files on a member: what its drain and move write, and the state its notify script records.
STATE_DIR = "/var/lib/keepalived-vip"
RUN_DIR = "/run/keepalived-vip"
DRAIN = f"{STATE_DIR}/drain"


def role_file(path):
    """A YAML file of the role (defaults/main.yml, vars/main.yml), as data."""
    import yaml

    return yaml.safe_load((ROOT / "roles/keepalived_vip" / path).read_text())


def handover(files, kind, value, names):
    """The role's tasks/handover.yml as one shell command on a holder: the FAULT value of `kind` (drain,
    offset: the role's __keepalived_vip_fault_value) into the track files, wait until keepalived's state of
    every instance in `names` is FAULT (the role's notify script records it), then `value`."""
    fault = role_file("vars/main.yml")["__keepalived_vip_fault_value"][kind]
    states = " && ".join(f"grep -qx FAULT {RUN_DIR}/{name}.state" for name in names)
    return (f"for f in {' '.join(files)}; do echo {fault} > $f; done; "
            f"for i in $(seq 2000); do {states} && break; sleep 0.005; done; "
            f"for f in {' '.join(files)}; do echo {value} > $f; done")


def claims(lab, skip=()):
    """{member: set of addresses configured on its cluster interface}, for the members not in `skip`."""
    out = {}
    for name in lab.names:
        if name in skip:
            continue
        text = lab.member(name).exec(["ip", "-j", "addr", "show", "dev", LAB_INTERFACE], timeout=10).stdout
        out[name] = {str(ipaddress.ip_address(a["local"])) for link in json.loads(text or "[]")
                     for a in link.get("addr_info", [])}
    return out


def holders(lab, addresses, skip=()):
    """{address: [members that have it configured]} (exactly one each when all is well)."""
    seen = claims(lab, skip)
    return {a: sorted(m for m, have in seen.items() if str(ipaddress.ip_address(a)) in have) for a in addresses}


def wait_until(check, timeout, interval=0.2):
    """Call check() until it returns something true or timeout seconds passed; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def settled(lab, wanted, skip=(), timeout=60):
    """Wait until each address of `wanted` ({address: member}) is held by that member alone.
    Returns (ok, holders)."""
    last = {}

    def check():
        last.update(holders(lab, wanted, skip))
        return all(last[a] == [m] for a, m in wanted.items())

    ok = wait_until(check, timeout)
    return bool(ok), dict(last)


@dataclass
class Move:
    """What a client saw while addresses moved."""
    moved_to: dict                      # address -> member holding it afterwards (or None)
    interruption_ms: dict               # address -> longest gap between two replies at the client
    resumed: dict                       # address -> replies flowing again at the end
    announcements: list = field(default_factory=list)  # [{time, kind, mac, address, member}]
    seconds: float = 0.0                # from the action to the last expected holder in place
    acted_at: float = 0.0               # wall-clock time of the action (the capture's clock)

    def garps_for(self, address, member=None):
        """Announcements of `address` sent after the action (by `member` if given)."""
        address = str(ipaddress.ip_address(address))
        return [a for a in self.announcements if a["address"] == address and a["time"] >= self.acted_at
                and (member is None or a["member"] == member)]

    def first_garp_ms(self, address, member=None):
        """Milliseconds from the action to the first announcement of `address` (None if none)."""
        seen = self.garps_for(address, member)
        return round((seen[0]["time"] - self.acted_at) * 1000) if seen else None


def observe_move(lab, addresses, action, expected, skip=(), timeout=60, settle=2.0, tag="move"):
    """Probe every address from the client and capture announcements on the bridge, run action(), wait
    until `expected` ({address: member}) holds, let the probes see traffic for `settle` more seconds."""
    macs = {lab.mac_of(n): n for n in lab.names}
    capture = lab.start_capture(tag=f"{tag}-garp", max_seconds=timeout + 60)
    probes = {}
    try:
        for i, address in enumerate(addresses):
            probes[address] = lab.start_probe(address, tag=f"{tag}-probe{i}", max_seconds=timeout + 60)
        time.sleep(1.0)  # a baseline: the client reaches every address before the action
        started, acted_at = time.monotonic(), time.time()
        action()
        ok, _held = settled(lab, expected, skip=skip, timeout=timeout)
        seconds = time.monotonic() - started
        time.sleep(settle)
    finally:
        results = {a: p.stop() for a, p in probes.items()}
        seen = capture.stop()
    now = holders(lab, addresses, skip)
    for item in seen:
        item["member"] = macs.get(item["mac"], item["mac"])
    return Move(moved_to={a: (now[a][0] if len(now[a]) == 1 else None) for a in addresses},
                interruption_ms={a: r.get("longest_gap_ms") for a, r in results.items()},
                resumed={a: bool(r.get("resumed")) for a, r in results.items()},
                announcements=seen, seconds=seconds if ok else None, acted_at=acted_at)


def cloud_link(lab, state, wanted, region, network):
    """For every wanted shared IP and member: does the cloud let that member's port carry it, and why (held by
    its port, associated), and does the lab bridge let it through. `state` is the simulator's /_sim/state.
    Returns [{name, address, member, held, associated, allowed, bridge}]; bridge None without port security."""
    from testbed.lab import portsec

    fixed = {m.name: [m.ipv4, m.ipv6] for m in lab.members}
    plan = portsec.plan(state, lab.names, fixed, region, network)
    bridge = lab.port_security()
    rows = []
    for want in wanted:
        address = str(ipaddress.ip_address(want.address))
        for member in lab.names:
            why = plan[member]["shared"].get(address, {"held": False, "associated": False})
            rows.append({"name": want.name, "address": address, "member": member, "held": why["held"],
                         "associated": why["associated"], "allowed": why["held"] and why["associated"],
                         "bridge": address in bridge["members"][member]["allowed"] if bridge["enabled"] else None})
    return rows


def wait_for_bridge(lab, member, address, present, timeout=5.0):
    """Wait until the bridge's allowed set of `member` has (present=True) or lacks `address`; True if so."""
    address = str(ipaddress.ip_address(address))
    return bool(wait_until(lambda: (address in lab.port_security()["members"][member]["allowed"]) == present,
                           timeout, interval=0.02))
