# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure: the state of one shared IP (a view, see _resolve) + what the task asks -> ordered steps.

Order is the API's: disassociate the servers leaving, replace the port list, associate the
servers joining, then the name labels. No I/O, no Ansible import.
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import LABEL_PREFIX, label_key
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import has_record, labels_of


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
    servers = _by_id(servers)
    names = _names(servers.values())
    names.update(dict((m["id"], m["name"]) for m in current["members"] if m["id"] and m["id"] not in names))
    now = dict((m["id"] or m["port_id"], m) for m in current["members"])
    if keep_others:
        members = dict(members)
        for key, m in now.items():
            members.setdefault(key, m["port_id"])
    leaving = [i for i in _by_name(now, names) if i not in members or members[i] != now[i]["port_id"]]
    steps = [_disassociate(i, names, now[i]["port_id"], servers, current["id"])
             for i in leaving if now[i]["associated"] is not False and now[i]["id"]]
    steps += [_label_step("unlabel", i, names, n) for i in leaving if i not in members
              for n in _labels_on(servers, i, current["id"])]
    wanted = sorted(members.values())
    if wanted != sorted(m["port_id"] for m in current["members"]):
        steps.append({"action": "set_ports", "port_ids": wanted,
                      "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in members.items()]})
    for i in _by_name(members, names):
        if i in (associate_ids or ()) and (i in leaving or i not in now or now[i]["associated"] is not True):
            steps.append(_server_step("associate", i, names, members[i]))
    if name is not None:
        for i in _by_name(members, names):
            if (label_ids is None or i in label_ids) and _label_value(servers, i, name) != current["id"]:
                steps.append(_label_step("label", i, names, name))
    return steps


def plan_absent(current, servers, only=None, name=None):
    """Steps that delete ``current``, or with ``only`` (a server id) drop just that member.

    name: the address's name label, which the last member keeps. A shared IP cannot keep fewer
    than one port: dropping the last member leaves its port (and its name label) on the address,
    disassociated.
    """
    servers = _by_id(servers)
    names = _names(servers.values())
    names.update(dict((m["id"], m["name"]) for m in current["members"] if m["id"] and m["id"] not in names))
    now = dict((m["id"] or m["port_id"], m) for m in current["members"])
    if only is not None:
        if only not in now:
            return [_label_step("unlabel", only, names, n) for n in _labels_on(servers, only, current["id"])]
        rest = dict((i, m["port_id"]) for i, m in now.items() if i != only)
        steps = []
        if now[only]["associated"] is not False:
            steps.append(_disassociate(only, names, now[only]["port_id"], servers, current["id"]))
        if not rest:
            # The port stays, and so does the label that names the address (put back if a
            # concurrent run took it away).
            if name is not None and _label_value(servers, only, name) != current["id"]:
                steps.append(_label_step("label", only, names, name))
            return steps
        steps.append({"action": "set_ports", "port_ids": sorted(rest.values()),
                      "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in rest.items()]})
        steps += [_label_step("unlabel", only, names, n) for n in _labels_on(servers, only, current["id"])]
        return steps
    steps = [_disassociate(i, names, now[i]["port_id"], servers, current["id"]) for i in _by_name(now, names)
             if now[i]["associated"] is not False and now[i]["id"]]
    steps.append({"action": "delete", "id": current["id"], "address": current.get("address")})
    labelled = labels_of(list(servers.values()), current["id"])
    steps += [_label_step("unlabel", i, names, n) for i in _by_name(labelled, names) for n in labelled[i]]
    return steps


def _by_id(servers):
    if isinstance(servers, dict):
        return servers
    return dict((s["id"], s) for s in servers)


def _names(servers):
    return dict((s["id"], s.get("name")) for s in servers)


def _by_name(ids, names):
    return sorted(ids, key=lambda i: (names.get(i) or "", i))


def _labels_on(servers, server_id, address_id):
    meta = (servers.get(server_id) or {}).get("metadata") or {}
    return sorted(k[len(LABEL_PREFIX):] for k, v in meta.items() if k.startswith(LABEL_PREFIX) and v == address_id)


def _label_value(servers, server_id, name):
    return ((servers.get(server_id) or {}).get("metadata") or {}).get(label_key(name))


def _server_step(action, server_id, names, port_id):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "port_id": port_id}


def _disassociate(server_id, names, port_id, servers, address_id):
    step = _server_step("disassociate", server_id, names, port_id)
    step["record"] = has_record(servers.get(server_id), address_id)
    return step


def _label_step(action, server_id, names, name):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "key": label_key(name),
            "name": name}
