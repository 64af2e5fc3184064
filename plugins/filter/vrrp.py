# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VRRP arithmetic for the keepalived_vip role: pure Python, no I/O.

members + addresses -> one VRRP instance per address with, for every member,
its priority, unicast source and peers.  Errors are returned, not raised, so
that the role's preflight can print all of them at once; each field is
checked by its own validator (module_utils/_vrrp_fields.py).  Each filter's
documentation is the YAML file of its name beside this one (ansible-doc -t filter
failover.shared_ip.<name>).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import zlib

from ansible_collections.failover.shared_ip.plugins.module_utils import _vrrp_fields as fields

TOP_PRIORITY = 254
LOWEST_HEALTHY = 2  # 1 is what a drained or failing member falls to
MAX_STEP = 10
# The lead of the first choice over the second that held a 10-minute soak of the `default` profile (an
# ordinary, not realtime, keepalived under load): 5 priorities at 1 s adverts, 19.5 ms of skew. A closer
# second choice takes over sooner after a hand-over (its skew is the client's loss), but a closer one (1)
# lost the race when an address is deleted under its holder (role README, "Priorities and skew").
LEAD_PRIORITIES = 5
LEAD_ADVERT_CS = 100
MAX_MEMBERS = TOP_PRIORITY - LOWEST_HEALTHY + 1
FAMILIES = fields.FAMILIES

# per-address keys that are planned here; everything else is passed through
PLANNED_KEYS = ("name", "address", "preferred", "router_id", "interface", "track", "auth_pass")
# check type -> the template's track list it goes to
TRACK_LISTS = {"file": "track_file", "script": "track_script", "process": "track_process",
               "interface": "track_interface", "bfd": "track_bfd"}


def priority_step(count):
    """Gap between consecutive priorities for `count` members."""
    if count < 2:
        return MAX_STEP
    return max(1, min(MAX_STEP, (TOP_PRIORITY - LOWEST_HEALTHY) // (count - 1)))


def priorities(count, advert_int=1):
    """Distinct priorities, best first, inside LOWEST_HEALTHY..TOP_PRIORITY.

    The second comes as close to the first as keeps the proven lead in time (5 below at 1 s adverts, 3 at
    2 s, a full step from 0.5 s down); the others are a full step apart.
    """
    step = priority_step(count)
    try:
        advert_cs = max(1, int(round(float(advert_int) * 100)))
    except (TypeError, ValueError):
        advert_cs = 100  # the plan already has its error (fields.vrrp_version)
    lead = min(step, -(-LEAD_PRIORITIES * LEAD_ADVERT_CS // advert_cs))
    return [TOP_PRIORITY] + [TOP_PRIORITY - lead - index * step for index in range(count - 1)]


def default_router_id(name):
    """A stable router id (1..255) derived from the address name."""
    return zlib.crc32(name.encode("utf-8")) % 255 + 1


def vrrp_sources(members, hostvars, interface):
    """Every member's unicast source: keepalived_vip_unicast_src if set, else candidates from its facts.

    hostvars  {member: its variables} (Ansible's hostvars); only keepalived_vip_unicast_src,
              ansible_facts[<interface>] and ansible_facts["interfaces"] are read
    Returns {member: given value or {"ipv4": [addresses], "ipv6": [global addresses]}}, in fact order;
    a member whose facts list its interfaces without this one gets "missing_interface" and "interfaces" too.
    """
    key = str(interface).replace("-", "_")
    sources = {}
    for member in members or []:
        member_vars = (hostvars or {}).get(member) or {}
        given = member_vars.get("keepalived_vip_unicast_src")
        if given:
            sources[member] = given
            continue
        facts = member_vars.get("ansible_facts") or {}
        nic = facts.get(key) or {}
        ipv4 = [nic.get("ipv4") or {}] + list(nic.get("ipv4_secondaries") or [])
        ipv6 = [entry for entry in nic.get("ipv6") or [] if entry.get("scope") == "global"]
        sources[member] = {"ipv4": [entry["address"] for entry in ipv4 if entry.get("address")],
                           "ipv6": [entry["address"] for entry in ipv6 if entry.get("address")]}
        present = facts.get("interfaces")
        if not nic and present is not None and str(interface) not in present:
            sources[member].update(missing_interface=str(interface), interfaces=sorted(present))
    return sources


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
        parsed = fields.parse_address(candidate)
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


def _normalise(index, raw, defaults, members, check_names, interface, errors):
    """One item of keepalived_vip_addresses, field by field, over the instance defaults."""
    where = "keepalived_vip_addresses[%d]" % index
    raw = raw or {}
    entry = dict(defaults or {})
    entry.update((key, value) for key, value in raw.items() if key not in PLANNED_KEYS)
    entry["name"], found = fields.name(where, raw.get("name"))
    errors.extend(found)
    label = entry["name"]
    parsed, found = fields.address(where, raw.get("address"), label)
    entry.update(parsed)
    errors.extend(found)
    entry["interface"] = raw.get("interface") or interface
    entry["preferred"], found = fields.preferred(where, raw.get("preferred"), label, members)
    errors.extend(found)
    entry["track"], found = fields.track(where, raw.get("track"), label, check_names)
    errors.extend(found)
    entry["router_id"], found = fields.router_id(where, raw.get("router_id"), label)
    errors.extend(found)
    given = raw.get("auth_pass")
    password_where = where if given not in (None, "") else "keepalived_vip_auth_pass (for %s)" % where
    entry["auth_pass"], found = fields.auth_pass(password_where, given if given not in (None, "")
                                                 else (defaults or {}).get("auth_pass"), label)
    errors.extend(found)
    entry["version"], found = fields.vrrp_version(where, entry.get("advert_int", 1), entry.get("vrrp_version", 2),
                                                  entry["family"], label)
    errors.extend(found)
    return entry


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
        if source is None and not fields.missing_interface((sources or {}).get(host)):
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


def vrrp_plan(addresses, members, sources=None, interface="eth0", checks=None, defaults=None, host=None):
    """Plan every address.

    addresses  keepalived_vip_addresses
    members    inventory hostnames, in order
    sources    {host: "addr"} or {host: {"ipv4": addr or [addrs], "ipv6": addr or [addrs]}} (see vrrp_sources)
    interface  the default VRRP interface
    checks     keepalived_vip_checks
    defaults   per-instance settings that an address may override
    host       the member this plan is for (an error if it is not a member)
    Returns {"errors": [...], "instances": [...], "checks": [normalised checks]}.
    """
    members, errors = fields.members(members)
    if len(members) > MAX_MEMBERS:
        errors.append("keepalived_vip_members: %d members, at most %d are supported" % (len(members), MAX_MEMBERS))
    errors.extend(fields.membership(host, members))
    normalised_checks, found = fields.checks(checks)
    errors.extend(found)
    check_names = set(check.get("name") for check in normalised_checks)
    entries = [_normalise(index, raw, defaults, members, check_names, interface, errors)
               for index, raw in enumerate(addresses or [])]
    errors.extend(fields.untracked(normalised_checks, set(name for entry in entries for name in entry["track"])))
    errors.extend(fields.interfaces(members, sources))
    _check_unique(entries, errors)
    _assign_router_ids(entries, errors)
    if members and len(set(members)) == len(members) and len(members) <= MAX_MEMBERS:
        _first_choices(entries, members)
        shared = set(entry["ip"] for entry in entries if entry["ip"])
        for index, entry in enumerate(entries):
            ranks = priorities(len(members), entry.get("advert_int", 1))
            entry["priority"] = dict((member, ranks[rank]) for rank, member in enumerate(entry["order"]))
            _wire(index, entry, members, sources, shared, errors)
    return {"errors": errors, "instances": entries, "checks": normalised_checks}


def _tracks(entry, checks):
    """The instance's tracked checks, split by the block of keepalived.conf they go to."""
    by_name = dict((check.get("name"), check) for check in checks or [])
    lists = dict((key, []) for key in TRACK_LISTS.values())
    for name in entry.get("track") or []:
        check = by_name.get(name)
        if check is None or check.get("type") not in TRACK_LISTS:
            continue
        if check["type"] == "interface":
            lists["track_interface"].append({"interface": check["interface"], "weight": check["weight"]})
        else:
            lists[TRACK_LISTS[check["type"]]].append(name)
    return lists


def vrrp_host(plan, host):
    """The instances as seen by one member: priority, unicast source, peers and track lists.

    Empty when the plan has errors (nothing is to be configured from it).
    """
    if plan.get("errors"):
        return []
    result = []
    for entry in plan.get("instances", []):
        instance = dict((key, value) for key, value in entry.items() if key not in ("src", "peers", "priority"))
        instance["priority"] = entry["priority"][host]
        instance["unicast_src"] = entry["src"][host]
        instance["unicast_peers"] = entry["peers"][host]
        instance["first_choice"] = entry["order"][0] == host
        # a MASTER whose priority falls below this hands the address over (templates/handover.sh.j2)
        instance["handover_below"] = max(priority for member, priority in entry["priority"].items() if member != host)
        instance.update(_tracks(entry, plan.get("checks")))
        result.append(instance)
    return result


def vrrp_manifest(instances, run_dir):
    """What failover.shared_ip.vip_status reads: where the states are and which addresses to report; and
    what an undrain reads: each address's members and whether it takes the address back by preemption."""
    from ansible.module_utils.parsing.convert_bool import boolean  # imported late, as in _move_filter

    return {"run_dir": run_dir,
            "addresses": [{"name": item["name"], "address": item["address"], "interface": item["interface"],
                           "members": item["order"], "preempt": boolean(item.get("preempt", True)),
                           "preempt_delay": int(item.get("preempt_delay") or 0)}
                          for item in instances or []]}


def vrrp_move_files(instances, state_dir):
    """The track files of planned moves (drain, <name>.offset), each reset to 0: for vip_files."""
    names = ["drain"] + ["%s.offset" % item["name"] for item in instances or []]
    return [{"path": "%s/%s" % (str(state_dir).rstrip("/"), name), "content": "0\n"} for name in names]


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
        ranks = priorities(len(order), entry.get("advert_int", 1))
        new_order = [to] + [host for host in order if host != to]
        return dict((host, ranks[new_order.index(host)] - entry["priority"][host]) for host in order)
    names = [entry["name"] for entry in plan.get("instances", [])]
    raise ValueError("keepalived_vip_move.address: %r is not in keepalived_vip_addresses (%s)"
                     % (name, ", ".join(str(item) for item in names)))


def _returning_ranks(mine, addresses):
    """{name: this member's priority} of the addresses preemption would bring to it (preempt on, no delay),
    from its vip_status `vips` (a BACKUP of known priority)."""
    eager = set(item["name"] for item in addresses or [] if item["preempt"] and not item["preempt_delay"])
    return dict((vip["name"], vip["priority"]) for vip in mine or []
                if vip["name"] in eager and vip["state"] == "BACKUP" and vip.get("priority") is not None)


def _outranked(vip, ranks):
    """An address held (vip_status's `vips` item) at a lower priority than its rank in `ranks` (absent: none)."""
    return vip["held"] and vip.get("priority") is not None and vip["priority"] < ranks.get(vip["name"], -1)


def vrrp_hand_back(others, mine, addresses, state_dir):
    """What the other members hand back at once to a member just undrained: [{"host", "names", "files"}],
    `files` the holder's hand-over track files of those addresses (<state_dir>/<name>.handover).

    An address comes back when another member holds it at a lower priority than this member's and
    preemption would bring it here (preempt on, no preempt_delay): the holder hands it over at once
    rather than this member waiting for its master-down timer (tasks/undrain.yml).  `others`: results of
    failover.shared_ip.vip_status on the other members (`item` the member, `vips`); `mine`: its `vips`
    on this member; `addresses`: this member's manifest addresses (vrrp_manifest).
    """
    ranks = _returning_ranks(mine, addresses)
    result = []
    for other in others or []:
        names = [vip["name"] for vip in other.get("vips", []) if _outranked(vip, ranks)]
        if names:
            result.append({"host": other["item"], "names": names,
                           "files": ["%s/%s.handover" % (str(state_dir).rstrip("/"), name) for name in names]})
    return result


def _move_filter(plan, name, to=None):
    try:
        return vrrp_move_offsets(plan, name, to)
    except ValueError as error:
        from ansible.errors import AnsibleFilterError  # imported late: the core above stays Ansible-free

        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {
            "vrrp_sources": vrrp_sources,
            "vrrp_plan": vrrp_plan,
            "vrrp_host": vrrp_host,
            "vrrp_manifest": vrrp_manifest,
            "vrrp_move_files": vrrp_move_files,
            "vrrp_move_offsets": _move_filter,
            "vrrp_hand_back": vrrp_hand_back,
        }
