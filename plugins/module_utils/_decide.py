# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decide step: a snapshot (see _read) + what the task asks -> the state before and the ordered
steps. Identity, rules and refusals all run here, before the first write. Pure: no I/O, no Ansible
import; the request is a plain dict of the module's options.
"""

import ipaddress

from ansible_collections.failover.shared_ip.plugins.module_utils import _plan as plan
from ansible_collections.failover.shared_ip.plugins.module_utils import _rules as rules
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PlanError,
    check_name,
    check_uuid,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import (
    names_of,
    network_label,
    port_servers,
    resolve_servers,
    server_ports,
)


# ---------------------------------------------------------------- members

def members(snap, request, option="servers"):
    """{server_id: port_id} of the members asked for (``servers`` or ``ports``), or None."""
    if request.get("ports"):
        return port_servers(snap.network, list(snap.ports.values()), list(snap.servers.values()), request["ports"])
    specs = request.get(option)
    if specs is None:
        return None
    chosen = resolve_servers(snap.found, specs, option)
    ports = [p for p in snap.ports.values() if p.get("network_id", snap.network["id"]) == snap.network["id"]]
    return server_ports(snap.network, ports, chosen, option)


def identify(snap, request, member_ids=None):
    """The existing address the task means (id, address and name must agree), or None."""
    wanted = None
    if not request.get("id") and not request.get("address"):
        wanted = list((member_ids or {}).values()) or None
    return snap.identity().find(ident_id=request.get("id"), address=request.get("address"),
                                name=request.get("name"), member_ids=None if member_ids is None else set(member_ids),
                                port_ids=wanted)


def early_checks(request, option="servers"):
    """What needs no read: the name, the id, the member list."""
    check_name(request.get("name"))
    if request.get("id") is not None:
        check_uuid("id", request["id"])
    if request.get("state", "present") == "present" and not request.get("ports"):
        rules.check_server_specs(request.get(option), option)
    if request.get("address") is not None:
        rules.version_of(request["address"])


# ---------------------------------------------------------------- address

def decide_address(snap, request):
    """(before, steps) for the address module."""
    chosen = members(snap, request)
    found = identify(snap, request, chosen)
    if request.get("state", "present") == "absent":
        before = snap.view(found)
        return before, plan.plan_absent(before, snap.servers) if before else []
    return decide_present(snap, request, chosen, found)


def decide_present(snap, request, chosen, found, adding=None):
    """(before, steps) that make one shared IP hold exactly ``chosen`` ({server_id: port_id})."""
    network, servers = snap.network, list(snap.servers.values())
    rules.check_members(network, chosen, servers)
    if found is None:
        if request.get("id"):
            raise PlanError("id", request["id"], "no shared IP with this id on network %s" % network_label(network))
        address = request.get("address")
        version = request.get("version") or rules.version_of(address) or 4
        rules.check_new_address(network, version, address, ports=[snap.ports[p] for p in chosen.values()])
        taken = snap.asked.get(address) if address else None
        if taken is not None:
            raise PlanError("address", address, "is already in use on network %s as a %s address (%s)"
                            % (network_label(network), taken.get("type") or "fixed", taken["id"]))
        if adding is None:
            rules.check_public_quota(network, snap.addresses)
        rules.check_port_room(network, chosen, snap.ports, snap.addresses, servers, adding=adding)
        return None, plan.plan_create(network, version, chosen, servers, address=address,
                                      associate=request.get("associate", True), name=request.get("name"))
    rules.check_version(found, request.get("version"))
    before = snap.view(found)
    holding = set(m["port_id"] for m in before["members"])
    joining = dict((s, p) for s, p in chosen.items() if p not in holding)
    rules.check_port_room(network, joining, snap.ports, snap.addresses, servers, adding=adding)
    wanted = set(chosen) if request.get("associate", True) else ()
    return before, plan.plan_present(before, chosen, snap.servers, associate_ids=wanted, name=request.get("name"))


# ---------------------------------------------------------------- binding

def decide_binding(snap, request, me, found, own=None):
    """(before, steps) for one server's binding. me: the server; found: the address (exists).

    own: whether this run itself left me associated (True) or disassociated (False), where the cloud
    does not tell (internal view hidden): a later round of the same run needs not undo it again.
    """
    before = snap.view(found)
    for member in before["members"]:
        if member["id"] == me["id"] and member["associated"] is None and own is not None:
            member["associated"] = own
    name = request.get("name") or (before["name"] if before["name"] and "," not in before["name"] else None)
    if request.get("state", "present") == "absent":
        return before, plan.plan_absent(before, snap.servers, only=me["id"], name=name)
    network = snap.network
    mine = [p for p in snap.ports.values() if p.get("device_id") == me["id"]
            and p.get("network_id") == found["network_id"]]
    held = [m["port_id"] for m in before["members"] if m["id"] == me["id"]]
    if held:
        port_id = held[0]
    else:
        port_id = server_ports(network, mine, [me], option="server")[me["id"]]
        others = [snap.servers[m["id"]] for m in before["members"] if m["id"] in snap.servers]
        rules.check_zones(network, others + [me], option="server")
        rules.check_port_room(network, {me["id"]: port_id}, snap.ports, snap.addresses,
                              list(snap.servers.values()), option="server")
    return before, plan.plan_present(before, {me["id"]: port_id}, snap.servers,
                                     associate_ids={me["id"]} if request.get("associate", True) else (),
                                     name=name, label_ids={me["id"]}, keep_others=True)


# ---------------------------------------------------------------- cluster

def cluster_entries(request):
    """The listed addresses, checked and completed: name, address, version, servers, associate, preferred."""
    members_all = rules.check_server_specs(request.get("servers"))
    rules.check_distinct("servers", members_all)
    entries = []
    for index, item in enumerate(request.get("addresses") or []):
        where = "addresses[%d]" % index
        name = check_name(item.get("name"), option=where + ".name")
        if name is None:
            raise PlanError(where + ".name", None, "every address needs a name")
        entry = dict(item)
        entry["where"] = where
        subset = item.get("servers")
        if subset is not None:
            rules.check_server_specs(subset, option=where + ".servers")
            rules.check_distinct(where + ".servers", subset)
            outside = [s for s in subset if s not in members_all]
            if outside:
                raise PlanError(where + ".servers", outside, "not among the cluster's servers %s"
                                % ", ".join(members_all))
        entry["servers"] = list(subset) if subset is not None else list(members_all)
        for who in item.get("preferred") or []:
            if who not in entry["servers"]:
                raise PlanError(where + ".preferred", who, "not among this address's servers %s"
                                % ", ".join(entry["servers"]))
        if item.get("address") is not None:
            version = rules.version_of(item["address"], option=where + ".address")
            if item.get("version") and item["version"] != version:
                raise PlanError(where + ".address", item["address"], "is an IPv%d address but version is %d"
                                % (version, item["version"]))
        entry["associate"] = item.get("associate", True) is not False
        entries.append(entry)
    rules.check_distinct("addresses[].name", [e["name"] for e in entries])
    rules.check_distinct("addresses[].address", [e["address"] for e in entries if e.get("address")])
    return entries


def cluster_members(snap, servers):
    """The cluster's members as a whole, refused under the option ``servers``: each found, each with
    one port on the network, and on PublicNet all in one public IP zone."""
    chosen = members(snap, {"servers": servers})
    rules.check_members(snap.network, chosen, list(snap.servers.values()))
    return chosen


def cluster_identities(snap, entries):
    """{name: existing address or None} for every entry, plus the addresses ``exclusive`` would delete."""
    found = {}
    for entry in entries:
        chosen = members(snap, {"servers": entry["servers"]}, option="servers")
        try:
            found[entry["name"]] = identify(snap, {"name": entry["name"], "address": entry.get("address")}, chosen)
        except PlanError as exc:
            raise _at(exc, entry)
    return found


def stale_addresses(snap, entries, member_ids):
    """Shared IPs on the network labelled on these members with a name no longer listed, every port of
    which belongs to a member: what ``exclusive`` deletes."""
    listed = set(e["name"] for e in entries)
    member_ports = set(p["id"] for p in snap.ports.values() if p.get("device_id") in member_ids)
    out = []
    members_read = [snap.servers[i] for i in member_ids if i in snap.servers]
    for addr in snap.addresses:
        names = set(names_of(members_read, addr["id"]))
        if names and not names & listed and set(addr.get("port_ids") or []) <= member_ports:
            out.append(addr)
    return out


def decide_cluster(snap, request, entries, found):
    """{name: (before, steps)} for every entry, and for each stale address (exclusive) under its id.

    Every refusal of every entry is raised before any write; the port limit counts what all entries
    add to each port together.
    """
    network = snap.network
    chosen = {}
    for entry in entries:
        chosen[entry["name"]] = members(snap, {"servers": entry["servers"]})
    adding = {}
    new = 0
    for entry in entries:
        current = found[entry["name"]]
        holding = set(current.get("port_ids") or []) if current else set()
        new += current is None
        for port_id in chosen[entry["name"]].values():
            if port_id not in holding:
                adding[port_id] = adding.get(port_id, 0) + 1
    stale = stale_addresses(snap, entries, set(s["id"] for s in snap.members_of(request["servers"])))
    if request.get("exclusive"):
        rules.check_public_quota(network, [a for a in snap.addresses if a not in stale], new_count=new)
    elif new:
        rules.check_public_quota(network, snap.addresses, new_count=new)
    plans = {}
    for entry in entries:
        req = {"name": entry["name"], "address": entry.get("address"), "version": entry.get("version"),
               "associate": entry["associate"]}
        try:
            plans[entry["name"]] = decide_present(snap, req, chosen[entry["name"]], found[entry["name"]],
                                                  adding=adding)
        except PlanError as exc:
            raise _at(exc, entry)
    if request.get("exclusive"):
        for addr in stale:
            before = snap.view(addr)
            plans[before.get("name") or addr["id"]] = (before, plan.plan_absent(before, snap.servers))
    return plans


def _at(exc, entry):
    """A refusal about one listed address names it: addresses[i].option."""
    if exc.option in ("name", "address", "version", "servers", "id"):
        return PlanError("%s.%s" % (entry["where"], exc.option), exc.value, exc.reason, exc.candidates)
    return exc


def vip_addresses(entries, states, network):
    """The role's ``keepalived_vip_addresses`` and the names left out of it.

    Each item: name, address with its prefix length, preferred order, then the role's own settings of
    the entry (``role``) as given. An address not known yet (check mode, the cloud picks it when the real
    run creates it) is left out: there is nothing to configure yet; ``pending`` names it with the reason.
    """
    out, pending = [], []
    for entry in entries:
        state = states.get(entry["name"])
        if not state or not state.get("address"):
            pending.append({"name": entry["name"], "reason": "check mode: the cloud picks this address when the "
                            "real run creates it, so keepalived has nothing to configure for it yet"})
            continue
        item = {"name": entry["name"], "address": with_prefix(state, network)}
        if entry.get("preferred"):
            item["preferred"] = list(entry["preferred"])
        item.update(entry.get("role") or {})
        out.append(item)
    return out, pending


def with_prefix(state, network):
    """``address/prefix`` from the subnet the address was taken from; a host prefix when unknown."""
    ip = ipaddress.ip_address(str(state["address"]))
    prefix = ip.max_prefixlen
    for subnet in network.get("subnets") or []:
        if isinstance(subnet, dict) and subnet.get("cidr"):
            net = ipaddress.ip_network(str(subnet["cidr"]), strict=False)
            if ip in net and (subnet.get("id") == state.get("subnet_id") or prefix == ip.max_prefixlen):
                prefix = net.prefixlen
    return "%s/%d" % (ip, prefix)
