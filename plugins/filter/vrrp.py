# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VRRP arithmetic for the keepalived_vip role: pure Python, no I/O.

members + addresses -> one VRRP instance per address with, for every member,
its priority, unicast source and peers.  Errors are returned, not raised, so
that the role's preflight can print all of them at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import zlib

DOCUMENTATION = r"""
name: vrrp_plan
short_description: Plan the VRRP instances of the keepalived_vip role
description:
  - Used by the role C(failover.shared_ip.keepalived_vip); see its README.
  - C(vrrp_plan) turns members and addresses into instances (router id, priorities, peers) and a list of errors.
  - C(vrrp_host) selects one member's view of a plan.
  - C(vrrp_move_offsets) gives the per-member priority offsets that put an address on a chosen member.
author: failover.shared_ip developers (@failover)
"""

TOP_PRIORITY = 254
LOWEST_HEALTHY = 2  # 1 is what a drained or failing member falls to
MAX_STEP = 10
MAX_MEMBERS = TOP_PRIORITY - LOWEST_HEALTHY + 1
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
FAMILIES = {4: "ipv4", 6: "ipv6"}
CHECK_TYPES = {"script": "script", "process": "process", "interface": "interface", "file": "file"}  # type -> key it needs

# per-address keys that are planned here; everything else is passed through
PLANNED_KEYS = ("name", "address", "preferred", "router_id", "interface", "track")


def priority_step(count):
    """Gap between consecutive priorities for `count` members."""
    if count < 2:
        return MAX_STEP
    return max(1, min(MAX_STEP, (TOP_PRIORITY - LOWEST_HEALTHY) // (count - 1)))


def priorities(count):
    """Distinct priorities, best first, inside LOWEST_HEALTHY..TOP_PRIORITY."""
    step = priority_step(count)
    return [TOP_PRIORITY - index * step for index in range(count)]


def default_router_id(name):
    """A stable router id (1..255) derived from the address name."""
    return zlib.crc32(name.encode("utf-8")) % 255 + 1


def _parse_address(value):
    try:
        return ipaddress.ip_interface(str(value).strip())
    except ValueError:
        return None


def _source_of(sources, host, family, shared):
    """This host's source of `family`: the given one, or the first candidate that is not a shared address.

    A source is "addr", {"ipv4": "addr", "ipv6": "addr"} or, from facts,
    {"ipv4": [candidates], "ipv6": [candidates]}: a member holding a shared
    address has it among its facts, and it must never become a source.
    """
    value = (sources or {}).get(host) or {}
    if isinstance(value, str):
        value = {"ipv4": [value], "ipv6": [value]}
    candidates = value.get(family) or []
    if isinstance(candidates, str):
        candidates = [candidates]
    for candidate in candidates:
        parsed = _parse_address(candidate)
        if parsed is not None and FAMILIES[parsed.version] == family and str(parsed.ip) not in shared:
            return str(parsed.ip)
    return None


def _first_choices(entries, members):
    """Preference order per address: given ones first, the rest spread evenly."""
    load = dict((member, 0) for member in members)
    for entry in entries:
        if entry["preferred"] and entry["preferred"][0] in load:
            load[entry["preferred"][0]] += 1
    rotation = 0
    for entry in entries:
        preferred = [host for host in entry["preferred"] if host in load]
        if not preferred:
            # least loaded member, ties broken by a rotation over the members
            ordered = members[rotation % len(members):] + members[:rotation % len(members)]
            first = min(ordered, key=lambda host: load[host])
            load[first] += 1
            rotation += 1
            preferred = [first]
        start = members.index(preferred[-1]) + 1
        rest = members[start:] + members[:start]
        entry["order"] = preferred + [host for host in rest if host not in preferred]


def _check_members(members, errors):
    if not members:
        errors.append("keepalived_vip_members: the member list is empty")
    seen = set()
    for member in members:
        if member in seen:
            errors.append("keepalived_vip_members: %r is listed twice" % member)
        seen.add(member)
    if len(members) > MAX_MEMBERS:
        errors.append("keepalived_vip_members: %d members, at most %d are supported" % (len(members), MAX_MEMBERS))


def _check_checks(checks, errors):
    names = set()
    for index, check in enumerate(checks or []):
        name = (check or {}).get("name")
        where = "keepalived_vip_checks[%d]" % index
        if not name or not NAME_RE.match(str(name)):
            errors.append("%s.name: %r is not a valid check name (letters, digits, '_', '.', '-')" % (where, name))
        elif name in names:
            errors.append("%s.name: %r is used by more than one check" % (where, name))
        names.add(name)
        kind = (check or {}).get("type")
        if kind not in CHECK_TYPES:
            errors.append("%s.type: %r (%s) must be one of %s" % (where, kind, name, ", ".join(sorted(CHECK_TYPES))))
        elif not (check or {}).get(CHECK_TYPES[kind]):
            errors.append("%s.%s: check %s of type %s needs it" % (where, CHECK_TYPES[kind], name, kind))
    return names


def _normalise(index, raw, members, check_names, interface, errors):
    where = "keepalived_vip_addresses[%d]" % index
    entry = dict((key, value) for key, value in (raw or {}).items() if key not in PLANNED_KEYS)
    name = (raw or {}).get("name")
    entry["name"] = name
    if not name or not NAME_RE.match(str(name)):
        errors.append("%s.name: %r is not a valid name (letters, digits, '_', '.', '-'; at most 64)" % (where, name))
    parsed = _parse_address((raw or {}).get("address"))
    if parsed is None:
        errors.append("%s.address: %r (%s) is not an IPv4 or IPv6 address" % (where, (raw or {}).get("address"), name))
        entry.update(ip=None, family=None, prefix=None)
    else:
        entry.update(ip=str(parsed.ip), family=FAMILIES[parsed.version], prefix=parsed.network.prefixlen)
        entry["address"] = "%s/%d" % (parsed.ip, parsed.network.prefixlen)
    entry["interface"] = (raw or {}).get("interface") or interface
    preferred = list((raw or {}).get("preferred") or [])
    for host in preferred:
        if host not in members:
            errors.append("%s.preferred: %r (%s) is not a member (keepalived_vip_members: %s)"
                          % (where, host, name, ", ".join(members)))
    if len(set(preferred)) != len(preferred):
        errors.append("%s.preferred: %s (%s) lists a host twice" % (where, preferred, name))
    entry["preferred"] = preferred
    entry["track"] = list((raw or {}).get("track") or [])
    for check in entry["track"]:
        if check not in check_names:
            errors.append("%s.track: %r (%s) is not a check defined in keepalived_vip_checks" % (where, check, name))
    router_id = (raw or {}).get("router_id")
    if router_id is not None:
        try:
            router_id = int(router_id)
        except (TypeError, ValueError):
            router_id = -1
        if not 1 <= router_id <= 255:
            errors.append("%s.router_id: %r (%s) must be an integer in 1..255" % (where, raw.get("router_id"), name))
    entry["router_id"] = router_id
    return entry


def _version(where, entry, errors):
    """VRRPv3 for IPv6 and sub-second adverts, else the configured version."""
    try:
        advert = float(entry.get("advert_int", 1))
    except (TypeError, ValueError):
        errors.append("%s.advert_int: %r (%s) is not a number" % (where, entry.get("advert_int"), entry["name"]))
        return 3
    if entry.get("family") == "ipv6" or advert < 1 or advert != int(advert):
        return 3
    return int(entry.get("vrrp_version", 2))


def _check_unique(entries, errors):
    for key, label in (("name", "name"), ("ip", "address")):
        seen = {}
        for index, entry in enumerate(entries):
            value = entry.get(key)
            if value is None:
                continue
            if value in seen:
                errors.append("keepalived_vip_addresses[%d].%s: %r is already used by keepalived_vip_addresses[%d]"
                              % (index, label, value, seen[value]))
            else:
                seen[value] = index


def _assign_router_ids(entries, errors):
    taken = {}
    for index, entry in enumerate(entries):
        if entry["router_id"] is None or entry["router_id"] < 1:
            continue
        key = (entry["interface"], entry["router_id"])
        if key in taken:
            errors.append("keepalived_vip_addresses[%d].router_id: %d (%s) is already used on interface %s by %s"
                          % (index, entry["router_id"], entry["name"], entry["interface"], taken[key]))
        else:
            taken[key] = entry["name"]
    automatic = [entry for entry in entries if entry["router_id"] is None]
    for entry in sorted(automatic, key=lambda item: str(item["name"])):
        candidate = default_router_id(str(entry["name"]))
        for _attempt in range(255):
            if (entry["interface"], candidate) not in taken:
                break
            candidate = candidate % 255 + 1
        else:
            errors.append("interface %s: no free router id left for %s" % (entry["interface"], entry["name"]))
            continue
        taken[(entry["interface"], candidate)] = entry["name"]
        entry["router_id"] = candidate


def _wire(index, entry, members, sources, shared, errors):
    where = "keepalived_vip_addresses[%d]" % index
    family = entry["family"]
    entry["src"] = {}
    entry["peers"] = {}
    if family is None:
        return
    for host in members:
        source = _source_of(sources, host, family, shared)
        if source is None:
            errors.append("%s.address: %s (%s) is %s but member %s has no %s unicast source on %s "
                          "(set keepalived_vip_unicast_src for it)"
                          % (where, entry["ip"], entry["name"], family.replace("ip", "IP"), host,
                             family.replace("ip", "IP"), entry["interface"]))
        entry["src"][host] = source
    for host in members:
        entry["peers"][host] = [entry["src"][peer] for peer in members if peer != host and entry["src"][peer]]
    if members and not any(entry["peers"].values()):
        errors.append("%s: %s has no unicast peer (keepalived_vip_members: %s); "
                      "VRRP needs at least two members" % (where, entry["name"], ", ".join(members)))


def vrrp_plan(addresses, members, sources=None, interface="eth0", checks=None, defaults=None):
    """Plan every address.

    addresses  keepalived_vip_addresses
    members    inventory hostnames, in order
    sources    {host: "addr"} or {host: {"ipv4": addr or [addrs], "ipv6": addr or [addrs]}}
    interface  the default VRRP interface
    checks     keepalived_vip_checks (only names are checked here)
    defaults   per-instance settings that an address may override
    Returns {"errors": [...], "instances": [...]}.
    """
    errors = []
    members = [str(member) for member in (members or [])]
    _check_members(members, errors)
    check_names = _check_checks(checks, errors)
    entries = []
    for index, raw in enumerate(addresses or []):
        entry = dict(defaults or {})
        entry.update(_normalise(index, raw, members, check_names, interface, errors))
        entry["version"] = _version("keepalived_vip_addresses[%d]" % index, entry, errors)
        entries.append(entry)
    _check_unique(entries, errors)
    _assign_router_ids(entries, errors)
    if members and len(set(members)) == len(members) and len(members) <= MAX_MEMBERS:
        _first_choices(entries, members)
        ranks = priorities(len(members))
        shared = set(entry["ip"] for entry in entries if entry["ip"])
        for index, entry in enumerate(entries):
            entry["priority"] = dict((host, ranks[rank]) for rank, host in enumerate(entry["order"]))
            _wire(index, entry, members, sources, shared, errors)
    return {"errors": errors, "instances": entries}


def vrrp_host(plan, host):
    """The instances as seen by one member: priority, unicast source and peers."""
    result = []
    for entry in plan.get("instances", []):
        instance = dict((key, value) for key, value in entry.items() if key not in ("src", "peers", "priority"))
        instance["priority"] = entry["priority"][host]
        instance["unicast_src"] = entry["src"][host]
        instance["unicast_peers"] = entry["peers"][host]
        instance["first_choice"] = entry["order"][0] == host
        result.append(instance)
    return result


def vrrp_move_offsets(plan, name, to=None):
    """Priority offsets per member that put address `name` on member `to`.

    The new order is `to` followed by the others in their planned order; each
    member's offset is its new priority minus its planned one.  `to` None
    means back to the planned order (all offsets 0).
    """
    for entry in plan.get("instances", []):
        if entry["name"] != name:
            continue
        order = entry["order"]
        if to is None:
            return dict((host, 0) for host in order)
        if to not in order:
            raise ValueError("keepalived_vip_move.to: %r is not a member (keepalived_vip_members: %s)"
                             % (to, ", ".join(order)))
        ranks = priorities(len(order))
        new_order = [to] + [host for host in order if host != to]
        return dict((host, ranks[new_order.index(host)] - entry["priority"][host]) for host in order)
    names = [entry["name"] for entry in plan.get("instances", [])]
    raise ValueError("keepalived_vip_move.address: %r is not in keepalived_vip_addresses (%s)"
                     % (name, ", ".join(str(item) for item in names)))


def _move_filter(plan, name, to=None):
    try:
        return vrrp_move_offsets(plan, name, to)
    except ValueError as error:
        from ansible.errors import AnsibleFilterError  # imported late: the core above stays Ansible-free

        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {
            "vrrp_plan": vrrp_plan,
            "vrrp_host": vrrp_host,
            "vrrp_move_offsets": _move_filter,
        }
