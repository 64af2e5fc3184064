# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure: one shared IP. Which members a task means, which existing address is "this one", and the
ordered steps that give it exactly those members (or delete it). Used by address, binding and cluster.

Order is the API's: disassociate the servers leaving, replace the port list, associate the servers
joining, then the name labels. No I/O, no Ansible import: the input is a snapshot (see _snapshot) and
the task's options as a plain dict.
"""

from ansible_collections.failover.shared_ip.plugins.module_utils import _rules as rules
from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PlanError,
    check_name,
    check_uuid,
    label_key,
    labels,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import (
    has_record,
    labels_of,
    network_label,
    port_servers,
    resolve_servers,
    server_ports,
)


# ---------------------------------------------------------------- which members, which address

def members(snap, request, option="servers"):
    """{server_id: port_id} of the members asked for (``servers`` or ``ports``), or None."""
    if request.get("ports"):
        return port_servers(snap.network, list(snap.ports.values()), list(snap.servers.values()), request["ports"])
    specs = request.get(option)
    if specs is None:
        return None
    chosen = resolve_servers(snap.found, specs, option, snap.known_servers)
    ports = [p for p in snap.ports.values() if p.get("network_id", snap.network["id"]) == snap.network["id"]]
    return server_ports(snap.network, ports, chosen, option)


def identify(snap, request, member_ids=None):
    """The existing address the task means (id, address and name must agree), or None. An address
    named by id that lives on another network than the task's is refused (it is another service's)."""
    if request.get("id"):
        rules.check_same_network(snap, "id", request["id"], snap.address(check_uuid("id", request["id"])),
                                 request.get("network"))
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


def decide_present(snap, request, chosen, found, adding=None):
    """(before, steps) that make one shared IP hold exactly ``chosen`` ({server_id: port_id}).

    adding: {port_id: count} when one port gains more than one address (the cluster module).
    """
    rules.check_members(snap.network, chosen, list(snap.servers.values()))
    if found is None:
        return None, _create(snap, request, chosen, adding)
    rules.check_version(found, request.get("version"))
    before = snap.view(found)
    holding = set(m["port_id"] for m in before["members"])
    joining = dict((s, p) for s, p in chosen.items() if p not in holding)
    rules.check_port_room(snap.network, joining, snap.ports, snap.addresses, list(snap.servers.values()),
                          adding=adding)
    wanted = set(chosen) if request.get("associate", True) else ()
    return before, plan_present(before, chosen, snap.servers, associate_ids=wanted, name=request.get("name"))


def _create(snap, request, chosen, adding):
    network, servers = snap.network, list(snap.servers.values())
    if request.get("id"):
        raise PlanError("id", request["id"], "no shared IP with this id on network %s" % network_label(network))
    address = request.get("address")
    version = request.get("version") or rules.version_of(address) or 4
    if address:
        rules.check_same_network(snap, "address", address, snap.elsewhere.get(address), request.get("network"))
    rules.check_new_address(network, version, address, ports=[snap.ports[p] for p in chosen.values()],
                            servers=snap.servers)
    rules.check_address_free(network, address, snap.asked.get(address) if address else None)
    if adding is None:
        rules.check_public_quota(network, snap.addresses)
    rules.check_port_room(network, chosen, snap.ports, snap.addresses, servers, adding=adding)
    return plan_create(network, version, chosen, servers, address=address,
                       associate=request.get("associate", True), name=request.get("name"))


# ---------------------------------------------------------------- steps

def plan_create(network, version, members, servers, address=None, associate=True, name=None):
    """Steps that create an address for members {server_id: port_id}."""
    names = _names(servers)
    steps = [{"action": "create", "network_id": network["id"], "network": network.get("name") or network["id"],
              "version": version, "port_ids": sorted(members.values()), "ip_address": address, "name": name,
              "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in members.items()]}]
    if associate:
        steps += [_server_step("associate", i, names, members[i]) for i in _by_name(members, names)]
    if name is not None:
        steps += [_label_step("label", i, names, name) for i in _by_name(members, names)]
    return steps


def plan_present(current, members, servers, associate_ids=None, name=None, label_ids=None, keep_others=False):
    """Steps that turn ``current`` (a view) into the member set {server_id: port_id}.

    associate_ids: members that must end associated (default: none are touched). A member counts
    as associated only when the internal view or this collection's record says so: the cloud's
    association reads over-report, so a member with neither is associated again (a PUT that finds
    the association in place is no change).
    label_ids: members that must carry the name label (default: all of ``members``).
    keep_others: members of ``current`` outside ``members`` stay (the binding module).
    """
    servers, names, now = _context(current, servers)
    if keep_others:
        members = dict(dict((key, m["port_id"]) for key, m in now.items()), **members)
    leaving = [i for i in _by_name(now, names) if members.get(i) != now[i]["port_id"]]
    steps = _leave(current, servers, names, now, leaving, members)
    if sorted(members.values()) != sorted(m["port_id"] for m in current["members"]):
        steps.append(_set_ports(members, names))
    steps += [_server_step("associate", i, names, members[i]) for i in _by_name(members, names)
              if i in (associate_ids or ()) and _to_associate(i, leaving, now)]
    if name is not None:
        labelled = label_ids if label_ids is not None else members
        steps += [_label_step("label", i, names, name) for i in _by_name(members, names)
                  if i in labelled and _label_value(servers, i, name) != current["id"]]
    return steps


def _leave(current, servers, names, now, leaving, members):
    """Disassociate the members leaving (or changing port), and unlabel those that leave for good."""
    steps = [_disassociate(i, names, now[i]["port_id"], servers, current["id"])
             for i in leaving if now[i]["associated"] is not False and now[i]["id"]]
    return steps + [_label_step("unlabel", i, names, n) for i in leaving if i not in members
                    for n in _labels_on(servers, i, current["id"])]


def _to_associate(server_id, leaving, now):
    """A member that must end associated and is not known to be (or whose port changes)."""
    return server_id in leaving or server_id not in now or now[server_id]["associated"] is not True


def plan_absent(current, servers, only=None, name=None):
    """Steps that delete ``current``, or with ``only`` (a server id) drop just that member.

    name: the address's name label, which the last member keeps. A shared IP cannot keep fewer
    than one port: dropping the last member leaves its port (and its name label) on the address,
    disassociated.
    """
    servers, names, now = _context(current, servers)
    if only is not None:
        return _drop_one(current, servers, names, now, only, name)
    steps = [_disassociate(i, names, now[i]["port_id"], servers, current["id"]) for i in _by_name(now, names)
             if now[i]["associated"] is not False and now[i]["id"]]
    steps.append({"action": "delete", "id": current["id"], "address": current.get("address")})
    labelled = labels_of(list(servers.values()), current["id"])
    steps += [_label_step("unlabel", i, names, n) for i in _by_name(labelled, names) for n in labelled[i]]
    return steps


def _drop_one(current, servers, names, now, only, name):
    if only not in now:
        steps = [_label_step("unlabel", only, names, n) for n in _labels_on(servers, only, current["id"])]
        last = [m["id"] for m in current["members"]]
        if name is not None and len(last) == 1 and last[0] in servers and _label_value(servers, last[0], name) \
                != current["id"]:
            # The one port left is another server's that had already left and was put back by a write
            # that read the list before it did (a PUT carries the whole list): the last member keeps the
            # name, or no run finds the address by it again.
            steps.append(_label_step("label", last[0], names, name))
        return steps
    rest = dict((i, m["port_id"]) for i, m in now.items() if i != only)
    steps = []
    if now[only]["associated"] is not False:
        steps.append(_disassociate(only, names, now[only]["port_id"], servers, current["id"]))
    if not rest:
        # The port stays, and so does the label that names the address (put back if a concurrent run
        # took it away).
        if name is not None and _label_value(servers, only, name) != current["id"]:
            steps.append(_label_step("label", only, names, name))
        return steps
    steps.append(_set_ports(rest, names))
    steps += [_label_step("unlabel", only, names, n) for n in _labels_on(servers, only, current["id"])]
    return steps


def _context(current, servers):
    """{id: server}, {id: name} (the view's names where a server was not read) and the view's members
    by server id (port id where the holder is unknown)."""
    servers = servers if isinstance(servers, dict) else dict((s["id"], s) for s in servers)
    names = _names(servers.values())
    names.update(dict((m["id"], m["name"]) for m in current["members"] if m["id"] and m["id"] not in names))
    now = dict((m["id"] or m["port_id"], m) for m in current["members"])
    return servers, names, now


def _names(servers):
    return dict((s["id"], s.get("name")) for s in servers)


def _by_name(ids, names):
    return sorted(ids, key=lambda i: (names.get(i) or "", i))


def _labels_on(servers, server_id, address_id):
    return sorted(n for n, v in labels(servers.get(server_id)).items() if v == address_id)


def _label_value(servers, server_id, name):
    return labels(servers.get(server_id)).get(name)


def _set_ports(members, names):
    return {"action": "set_ports", "port_ids": sorted(members.values()),
            "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in members.items()]}


def _server_step(action, server_id, names, port_id):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "port_id": port_id}


def _disassociate(server_id, names, port_id, servers, address_id):
    step = _server_step("disassociate", server_id, names, port_id)
    step["record"] = has_record(servers.get(server_id), address_id)
    return step


def _label_step(action, server_id, names, name):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "key": label_key(name),
            "name": name}
