"""Port security on the lab bridge: what the cloud lets each member's port send, enforced with nftables.

On the real cloud the host under each server lets a port send only from its own fixed addresses and
from the shared IPs that the port holds AND that are associated with the server (service `compute`).
The lab plays that host: the simulator (testbed/fakecloud) is the cloud, `GET /_sim/state` its truth.

- `read_state(url)` reads the simulator; `plan(state, members, ...)` says, per member (a simulator server
  of the same name), its port, MAC and allowed addresses, and for every shared IP why (held, associated).
- `ruleset(...)` is the nftables table (bridge family, one chain per member's bridge port, named sets
  `<member>_v4`/`<member>_v6`, named drop counters `<member>_arp|ip4|ip6|na`); `set_update(...)` refills
  the sets in one atomic batch. IPv6 link-local (and the unspecified source of DAD) always passes.
Standalone on purpose (stdlib only): watch.py imports it outside the lab package.
"""

import ipaddress
import json
import urllib.error
import urllib.request

TABLE_PREFIX = "fsip_ps_"
KINDS = ("arp", "ip4", "ip6", "na")
DEFAULT_REGION = "DFW"
DEFAULT_NETWORK = "cluster-net"


class CloudUnavailable(RuntimeError):
    """The simulator does not answer (or answers something that is not its state)."""


class NotAServer(RuntimeError):
    """A lab member has no matching server/port in the simulator."""


def table_name(lab):
    return f"{TABLE_PREFIX}{lab}".replace("-", "_")


def read_state(url, timeout=2.0):
    """The simulator's whole state (`GET {url}/_sim/state`)."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_sim/state", timeout=timeout) as resp:
            state = json.loads(resp.read())
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise CloudUnavailable(f"no simulator answers GET {url.rstrip('/')}/_sim/state ({exc})") from exc
    if not isinstance(state, dict) or "regions" not in state:
        raise CloudUnavailable(f"GET {url}/_sim/state did not return a simulator state")
    return state


def plan(state, members, fixed, region=DEFAULT_REGION, network=DEFAULT_NETWORK):
    """{member: {port, mac, fixed, v4, v6, shared: {address: {held, associated}}}} from the simulator state.

    `members` are the lab's member names (each plays the simulator server of the same name);
    `fixed` maps a member to its own fixed addresses (the lab's plan, which must be the fixture's).
    A member may carry a shared IP when its port holds it and its service there is `compute`.
    """
    view = state["regions"].get(region)
    if view is None:
        raise NotAServer(f"the simulator has no region {region!r} (regions: {', '.join(state['regions'])})")
    net = next((n for n in view["networks"] if n["name"] == network or n["id"] == network), None)
    if net is None:
        raise NotAServer(f"the simulator has no network {network!r} in {region}")
    servers = {s["name"]: s["id"] for s in view["servers"]}
    on_network = [ip for ip in view["ip_addresses"] if ip["network_id"] == net["id"]]
    out = {}
    for member in members:
        if member not in servers:
            raise NotAServer(f"lab member {member} is no server of the simulator ({region})")
        ports = [p for p in view["ports"] if p["device_id"] == servers[member] and p["network_id"] == net["id"]]
        if len(ports) != 1:
            raise NotAServer(f"server {member} has {len(ports)} ports on {network}, the lab needs exactly one")
        port = ports[0]
        on_port = {_norm(f["ip_address"]) for f in port.get("fixed_ips", [])}
        own = {_norm(a) for a in fixed[member]}
        if not own <= on_port:
            raise NotAServer(f"{member}'s port on {network} has {sorted(on_port)}, not the lab's fixed addresses "
                             f"{sorted(own)}")
        shared, allowed = {}, set(own)
        for ip in on_network:
            address = _norm(ip["address"])
            if address in own:
                continue
            held = port["id"] in ip.get("port_ids", [])
            associated = held and (ip.get("services") or {}).get(port["id"]) == "compute"
            if held or len(ip.get("port_ids", [])) > 1 or ip.get("type") == "shared":
                shared[address] = {"held": held, "associated": associated}
            if associated:
                allowed.add(address)
        out[member] = {"port": port["id"], "mac": port["mac_address"].lower(), "fixed": sorted(own),
                       "v4": sorted(a for a in allowed if ":" not in a),
                       "v6": sorted(a for a in allowed if ":" in a), "shared": shared}
    return out


def _norm(address):
    return str(ipaddress.ip_address(address))


def _as_integers(addresses):
    return [f"0x{int(ipaddress.IPv6Address(a)):032x}" for a in addresses]


def _elements(addresses):
    return f"elements = {{ {', '.join(addresses)} }}" if addresses else ""


def ruleset(lab, ports, allowed):
    """The whole table: `ports` {member: bridge port name}, `allowed` {member: {"v4": [...], "v6": [...]}}."""
    table = table_name(lab)
    lines = [f"table bridge {table} {{"]
    for member in ports:
        lines += [f"  set {member}_v4 {{ type ipv4_addr; {_elements(allowed[member]['v4'])} }}",
                  f"  set {member}_v6 {{ type ipv6_addr; {_elements(allowed[member]['v6'])} }}",
                  f"  set {member}_na {{ typeof @th,64,128; {_elements(_as_integers(allowed[member]['v6']))} }}"]
        lines += [f"  counter {member}_{kind} {{ }}" for kind in KINDS]
        lines += [f"  chain {member} {{",
                  # ARP whose sender address the cloud does not give this port (gratuitous ARP included)
                  f"    arp saddr ip != @{member}_v4 counter name \"{member}_arp\" drop",
                  f"    ip saddr != @{member}_v4 counter name \"{member}_ip4\" drop",
                  # a neighbour advertisement for a target this port may not carry (link-local targets pass)
                  # (nft 1.0.6, Debian 12, has no `icmpv6 taddr`: the target is the 128 bits at offset 64 of
                  # the ICMPv6 header, looked up in <member>_na, the same addresses as integers)
                  f"    icmpv6 type nd-neighbor-advert @th,64,16 & 0xffc0 != 0xfe80 @th,64,128 != @{member}_na"
                  f" counter name \"{member}_na\" drop",
                  # IPv6 sources: its own, link-local (VRRPv3, ND) and the unspecified address (DAD)
                  f"    ip6 saddr != {{ ::, fe80::/10 }} ip6 saddr != @{member}_v6 counter name \"{member}_ip6\" drop",
                  "  }"]
    lines += ["  chain prerouting {", "    type filter hook prerouting priority -200; policy accept;"]
    lines += [f"    iifname \"{port}\" jump {member}" for member, port in ports.items()]
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def set_update(lab, allowed):
    """One nft batch that replaces the sets' contents (atomic: no moment with an empty set)."""
    table = table_name(lab)
    lines = []
    for member, sets in allowed.items():
        for name, elements in (("v4", sets["v4"]), ("v6", sets["v6"]), ("na", _as_integers(sets["v6"]))):
            lines.append(f"flush set bridge {table} {member}_{name}")
            if elements:
                lines.append(f"add element bridge {table} {member}_{name} {{ {', '.join(elements)} }}")
    return "\n".join(lines) + "\n"


def parse_table(text):
    """`nft -j list table bridge T` -> {"sets": {name: [addresses]}, "counters": {name: {packets, bytes}}}."""
    sets, counters = {}, {}
    for item in json.loads(text).get("nftables", []):
        if "set" in item:
            elems = item["set"].get("elem", [])
            sets[item["set"]["name"]] = sorted(_element(e) for e in elems)
        elif "counter" in item:
            counters[item["counter"]["name"]] = {"packets": item["counter"].get("packets", 0),
                                                 "bytes": item["counter"].get("bytes", 0)}
    return {"sets": sets, "counters": counters}


def _element(elem):
    if isinstance(elem, str) and elem.startswith("0x"):
        return str(ipaddress.IPv6Address(int(elem, 16)))
    return _norm(elem) if isinstance(elem, str) else json.dumps(elem)


def per_member(parsed, members):
    """{member: {"allowed": [...], "drops": {kind: packets}}} from parse_table's answer."""
    return {m: {"allowed": parsed["sets"].get(f"{m}_v4", []) + parsed["sets"].get(f"{m}_v6", []),
                "drops": {k: parsed["counters"].get(f"{m}_{k}", {}).get("packets", 0) for k in KINDS}}
            for m in members}
