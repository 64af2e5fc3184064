# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions: what the cloud holds + what the user asked -> ordered steps.

No I/O and no Ansible import. The module base reads the cloud, calls these
functions, and runs (or, in check mode, only applies) the steps they return.

A shared IP is seen through one shape, the *view*::

    {"id", "address", "network_id", "version", "type", "subnet_id", "name",
     "members": [{"id", "name", "port_id", "associated"}]}

Members are sorted by server name, then id, so that order never matters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import re

PUBLIC_NET_ID = "00000000-0000-0000-0000-000000000000"
SERVICE_NET_ID = "11111111-1111-1111-1111-111111111111"
LABEL_PREFIX = "failover-shared-ip:"
PUBLIC_SHARED_QUOTA = 5
PORT_ADDRESS_LIMIT = {PUBLIC_NET_ID: 6, SERVICE_NET_ID: 1}
DEFAULT_PORT_ADDRESS_LIMIT = 5
MAX_NAME_LENGTH = 255 - len(LABEL_PREFIX)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Steps that only touch one server each: consecutive ones may run in parallel.
PARALLEL_ACTIONS = ("disassociate", "associate", "label", "unlabel")


class PlanError(Exception):
    """Bad input, found before any write: names the option and the value."""

    def __init__(self, option, value, reason, candidates=None):
        self.option = option
        self.value = value
        self.reason = reason
        self.candidates = candidates or []
        super(PlanError, self).__init__("%s=%s: %s" % (option, _show(value), reason))


def _show(value):
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(_show(v) for v in value)
    return str(value)


def label_key(name):
    return LABEL_PREFIX + name


def is_uuid(value):
    return isinstance(value, str) and bool(_UUID.match(value))


def check_uuid(option, value):
    if not is_uuid(value):
        raise PlanError(option, value, "not a UUID (expected 8-4-4-4-12 hexadecimal digits)")
    return value.lower()


def check_name(name):
    if name is None:
        return None
    if not name or len(name) > MAX_NAME_LENGTH:
        raise PlanError("name", name, "must be 1 to %d characters long" % MAX_NAME_LENGTH)
    return name


# ---------------------------------------------------------------- resolution

def resolve_network(networks, spec):
    """`public`, `servicenet`, an isolated network's name label or its UUID -> network dict."""
    word = spec.strip().lower()
    if word == "servicenet" or word == SERVICE_NET_ID:
        raise PlanError("network", spec, "ServiceNet carries no shared IPs (the cloud's quota there is 0); "
                                         "use public or an isolated network")
    if word == "public" or word == "publicnet":
        word = PUBLIC_NET_ID
    if is_uuid(word):
        found = [n for n in networks if n.get("id", "").lower() == word]
        if not found:
            raise PlanError("network", spec, "no such network")
        return found[0]
    found = [n for n in networks if n.get("name") == spec]
    if len(found) > 1:
        raise PlanError("network", spec, "more than one network has this name: %s; give its UUID"
                        % ", ".join(sorted(n["id"] for n in found)), [n["id"] for n in found])
    if not found:
        names = sorted(n.get("name") or n["id"] for n in networks if n["id"] != SERVICE_NET_ID)
        raise PlanError("network", spec, "no such network (known: public, %s)"
                        % ", ".join(n for n in names if n.lower() not in ("public", "publicnet")))
    return found[0]


def network_label(network):
    if network["id"] == PUBLIC_NET_ID:
        return "public"
    return network.get("name") or network["id"]


def resolve_servers(servers, specs, option="servers"):
    """Server names or UUIDs -> server dicts, without duplicates, in a stable order."""
    by_id = dict((s["id"].lower(), s) for s in servers)
    out = {}
    for spec in specs:
        if is_uuid(spec):
            server = by_id.get(spec.lower())
            if server is None:
                raise PlanError(option, spec, "no server with this id")
        else:
            found = [s for s in servers if s.get("name") == spec]
            if not found:
                raise PlanError(option, spec, "no such server")
            if len(found) > 1:
                raise PlanError(option, spec, "more than one server has this name: %s; give its UUID"
                                % ", ".join(sorted(s["id"] for s in found)), [s["id"] for s in found])
            server = found[0]
        out[server["id"]] = server
    return sorted(out.values(), key=lambda s: (s.get("name") or "", s["id"]))


def server_ports(network, ports, servers, option="servers"):
    """Each server's one port on the network -> {server_id: port_id}."""
    out = {}
    for server in servers:
        mine = [p for p in ports if p.get("device_id") == server["id"] and p.get("network_id", network["id"]) == network["id"]]
        if not mine:
            raise PlanError(option, server.get("name") or server["id"],
                            "server has no port on network %s" % network_label(network))
        if len(mine) > 1:
            raise PlanError(option, server.get("name") or server["id"],
                            "server has %d ports on network %s (%s); name the port with ports instead"
                            % (len(mine), network_label(network), ", ".join(sorted(p["id"] for p in mine))))
        out[server["id"]] = mine[0]["id"]
    return out


def port_servers(network, ports, servers, specs, option="ports"):
    """Port UUIDs -> {server_id: port_id}, each port on the network and on a known server."""
    by_id = dict((p["id"], p) for p in ports)
    names = dict((s["id"], s) for s in servers)
    out = {}
    for spec in specs:
        port_id = check_uuid(option, spec)
        port = by_id.get(port_id)
        if port is None:
            raise PlanError(option, spec, "no such port on network %s" % network_label(network))
        if port.get("device_id") not in names:
            raise PlanError(option, spec, "port is not attached to a server of this account")
        if port["device_id"] in out and out[port["device_id"]] != port_id:
            raise PlanError(option, spec, "server %s already has port %s in this list"
                            % (names[port["device_id"]].get("name"), out[port["device_id"]]))
        out[port["device_id"]] = port_id
    return out


def _is_shared(addr):
    return addr.get("type") == "shared" or len(addr.get("port_ids") or []) > 1


def labelled_ids(servers, name):
    """Address ids that the members' metadata label `name` with."""
    key = label_key(name)
    return sorted(set(s["metadata"][key] for s in servers if key in (s.get("metadata") or {})))


def labels_of(servers, address_id):
    """Names whose label points at address_id, by server id."""
    out = {}
    for s in servers:
        for key, value in (s.get("metadata") or {}).items():
            if key.startswith(LABEL_PREFIX) and value == address_id:
                out.setdefault(s["id"], []).append(key[len(LABEL_PREFIX):])
    return out


def address_name(servers, address_id):
    names = sorted(set(n for ns in labels_of(servers, address_id).values() for n in ns))
    return names[0] if len(names) == 1 else (", ".join(names) if names else None)


def find_address(addresses, servers, ident_id=None, address=None, name=None, port_ids=None):
    """Identity of an existing shared IP: id, then address, then name label, then exact port set.

    `addresses` are those of the network (or the one fetched by id). Returns the
    address dict or None when there is none yet.
    """
    if ident_id is not None:
        ident_id = check_uuid("id", ident_id)
        found = [a for a in addresses if a["id"].lower() == ident_id]
        return found[0] if found else None
    if address is not None:
        found = [a for a in addresses if same_ip(a.get("address"), address)]
        return found[0] if found else None
    existing = dict((a["id"], a) for a in addresses)
    if name is not None:
        ids = [i for i in labelled_ids(servers, name) if i in existing]
        if len(ids) > 1:
            raise PlanError("name", name, "the members' labels name more than one shared IP: %s"
                            % ", ".join(_describe_address(existing[i]) for i in ids), ids)
        if ids:
            return existing[ids[0]]
    if not port_ids:
        return None
    wanted = set(port_ids)
    found = [a for a in addresses if _is_shared(a) and set(a.get("port_ids") or []) == wanted]
    if name is not None:
        # An address created by an earlier run whose labels were never written:
        # adopt it only if no other name claims it.
        found = [a for a in found if not labels_of(servers, a["id"])]
    if len(found) > 1:
        option, value = ("name", name) if name is not None else ("servers", "(exact member match)")
        raise PlanError(option, value, "more than one shared IP has exactly these members: %s; "
                        "give id, address or name" % ", ".join(_describe_address(a) for a in found),
                        [a["id"] for a in found])
    return found[0] if found else None


def _describe_address(addr):
    return "%s (%s)" % (addr["id"], addr.get("address"))


def same_ip(a, b):
    try:
        return a is not None and ipaddress.ip_address(u"%s" % a) == ipaddress.ip_address(u"%s" % b)
    except ValueError:
        return False


# ---------------------------------------------------------------- refusals

def check_members(network, members, servers, addresses, new_address=None):
    """Refusals about the member set: count, public IP zone, quotas. members: {server_id: port_id}."""
    names = dict((s["id"], s) for s in servers)
    if len(members) < 2:
        raise PlanError("servers", [names[i].get("name") for i in members] if members else [],
                        "a shared IP needs at least two members, got %d" % len(members))
    if network["id"] == PUBLIC_NET_ID:
        zones = dict((names[i].get("name") or i, names[i].get("zone")) for i in members)
        if len(set(zones.values())) > 1:
            raise PlanError("servers", sorted(zones), "PublicNet members must share one public IP zone: %s"
                            % ", ".join("%s in %s" % (n, z) for n, z in sorted(zones.items())))
    if new_address is None:
        return
    if network["id"] == PUBLIC_NET_ID:
        shared = [a for a in addresses if _is_shared(a)]
        if len(shared) >= PUBLIC_SHARED_QUOTA:
            raise PlanError("network", "public", "quota reached: the account already holds %d of %d shared "
                            "IPs on PublicNet (%s)" % (len(shared), PUBLIC_SHARED_QUOTA,
                                                       ", ".join(sorted(a.get("address") or a["id"] for a in shared))))
    limit = PORT_ADDRESS_LIMIT.get(network["id"], DEFAULT_PORT_ADDRESS_LIMIT)
    for server_id, port_id in sorted(members.items()):
        held = [a for a in addresses if port_id in (a.get("port_ids") or [])]
        if len(held) >= limit:
            raise PlanError("servers", names[server_id].get("name") or server_id,
                            "quota reached: port %s already holds %d addresses, the most a port on %s may hold"
                            % (port_id, len(held), network_label(network)))


def check_new_address(network, version, address):
    """Refusals about a new address: version vs subnets, requested address. Returns the subnet or None."""
    subnets = [s for s in network.get("subnets") or [] if isinstance(s, dict)]
    if address is not None:
        if network["id"] == PUBLIC_NET_ID:
            raise PlanError("address", address, "PublicNet picks its addresses itself; a specific address "
                            "can only be asked for on an isolated network")
        try:
            ip = ipaddress.ip_address(u"%s" % address)
        except ValueError:
            raise PlanError("address", address, "not an IPv4 or IPv6 address")
        if ip.version != version:
            raise PlanError("address", address, "is an IPv%d address but version is %d" % (ip.version, version))
    of_version = [s for s in subnets if int(s.get("ip_version") or s.get("version") or 0) == version]
    if subnets and not of_version:
        raise PlanError("version", version, "network %s has no IPv%d subnet (it has %s)"
                        % (network_label(network), version,
                           ", ".join(s.get("cidr") or s.get("id") for s in subnets)))
    if address is not None and of_version:
        inside = [s for s in of_version if s.get("cidr") and ip in ipaddress.ip_network(u"%s" % s["cidr"], strict=False)]
        if not inside and all(s.get("cidr") for s in of_version):
            raise PlanError("address", address, "is outside the IPv%d subnet of network %s (%s)"
                            % (version, network_label(network), ", ".join(s["cidr"] for s in of_version)))
        return (inside or of_version)[0]
    return of_version[0] if of_version else None


# ---------------------------------------------------------------- the view

def view(addr, port_services, servers, name=None):
    """The shared_ip shape from an address, its ports' services and the servers.

    port_services: [{"id", "device_id", "service"}] as GET /ip_addresses/{id}/ports answers.
    """
    if addr is None:
        return None
    names = dict((s["id"], s.get("name")) for s in servers)
    by_port = dict((p["id"], p) for p in port_services)
    members = []
    for port_id in addr.get("port_ids") or sorted(by_port):
        port = by_port.get(port_id, {})
        device = port.get("device_id")
        members.append({"id": device, "name": names.get(device), "port_id": port_id,
                        "associated": port.get("service", "none") not in ("none", None)})
    return {
        "id": addr["id"], "address": addr.get("address"), "network_id": addr.get("network_id"),
        "version": int(addr["version"]) if addr.get("version") is not None else None,
        "type": addr.get("type"), "subnet_id": addr.get("subnet_id"),
        "name": name if name is not None else address_name(servers, addr["id"]),
        "members": _sorted_members(members),
    }


def _sorted_members(members):
    return sorted(members, key=lambda m: (m.get("name") or "", m.get("id") or "", m["port_id"]))


# ---------------------------------------------------------------- plans

def plan_create(network, version, members, servers, address=None, associate=True, name=None):
    """Steps that create an address for members {server_id: port_id}."""
    names = dict((s["id"], s.get("name")) for s in servers)
    port_ids = sorted(members.values())
    steps = [{"action": "create", "network_id": network["id"], "version": version, "port_ids": port_ids,
              "ip_address": address,
              "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in members.items()]}]
    if associate:
        steps += [_server_step("associate", i, names, members[i]) for i in _by_name(members, names)]
    if name is not None:
        steps += [_label_step("label", i, names, name) for i in _by_name(members, names)]
    return steps


def plan_present(current, members, servers, associate_ids=None, name=None, label_ids=None,
                 keep_others=False):
    """Steps that turn `current` (a view) into the member set {server_id: port_id}.

    associate_ids: members that must end associated (default: none are touched).
    label_ids: members that must carry the name label (default: all of `members`).
    keep_others: members of `current` outside `members` stay (the binding module).
    Order: disassociate leaving, replace the port list, associate joining, labels.
    """
    names = dict((s["id"], s.get("name")) for s in servers)
    names.update(dict((m["id"], m["name"]) for m in current["members"] if m["id"] not in names))
    now = dict((m["id"], m) for m in current["members"])
    if keep_others:
        members = dict(members)
        for m in current["members"]:
            members.setdefault(m["id"], m["port_id"])
    leaving = [i for i in _by_name(now, names) if i not in members or members[i] != now[i]["port_id"]]
    steps = [_server_step("disassociate", i, names, now[i]["port_id"]) for i in leaving if now[i]["associated"]]
    steps += [_label_step("unlabel", i, names, n) for i in leaving if i not in members
              for n in _labels_on(servers, i, current["id"])]
    wanted = sorted(members.values())
    if wanted != sorted(m["port_id"] for m in current["members"]):
        steps.append({"action": "set_ports", "port_ids": wanted,
                      "members": [{"id": i, "name": names.get(i), "port_id": p} for i, p in members.items()]})
    for i in _by_name(members, names):
        if i in (associate_ids or ()) and (i in leaving or i not in now or not now[i]["associated"]):
            steps.append(_server_step("associate", i, names, members[i]))
    if name is not None:
        for i in _by_name(members, names):
            if (label_ids is None or i in label_ids) and _label_value(servers, i, name) != current["id"]:
                steps.append(_label_step("label", i, names, name))
    return steps


def plan_absent(current, servers, only=None, name=None):
    """Steps that delete `current`, or with `only` (a server id) drop just that member.

    name: the address's name label, which the last member keeps.

    A shared IP cannot keep fewer than one port: dropping the last member leaves
    its port (and its name label) on the address, disassociated.
    """
    names = dict((s["id"], s.get("name")) for s in servers)
    names.update(dict((m["id"], m["name"]) for m in current["members"] if m["id"] not in names))
    now = dict((m["id"], m) for m in current["members"])
    if only is not None:
        if only not in now:
            return [_label_step("unlabel", only, names, n) for n in _labels_on(servers, only, current["id"])]
        rest = dict((i, m["port_id"]) for i, m in now.items() if i != only)
        steps = [_server_step("disassociate", only, names, now[only]["port_id"])] if now[only]["associated"] else []
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
    steps = [_server_step("disassociate", i, names, now[i]["port_id"]) for i in _by_name(now, names)
             if now[i]["associated"]]
    steps.append({"action": "delete", "id": current["id"], "address": current.get("address")})
    labelled = labels_of(servers, current["id"])
    steps += [_label_step("unlabel", i, names, n) for i in sorted(labelled, key=lambda x: (names.get(x) or "", x))
              for n in labelled[i]]
    return steps


def _by_name(ids, names):
    return sorted(ids, key=lambda i: (names.get(i) or "", i))


def _labels_on(servers, server_id, address_id):
    for s in servers:
        if s["id"] == server_id:
            return sorted(k[len(LABEL_PREFIX):] for k, v in (s.get("metadata") or {}).items()
                          if k.startswith(LABEL_PREFIX) and v == address_id)
    return []


def _label_value(servers, server_id, name):
    for s in servers:
        if s["id"] == server_id:
            return (s.get("metadata") or {}).get(label_key(name))
    return None


def _server_step(action, server_id, names, port_id):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "port_id": port_id}


def _label_step(action, server_id, names, name):
    return {"action": action, "server_id": server_id, "server": names.get(server_id), "key": label_key(name),
            "name": name}


# ---------------------------------------------------------------- applying

def describe(step):
    """One line a user reads in `actions` and in failure messages."""
    action = step["action"]
    if action == "create":
        what = step.get("ip_address") or "a new IPv%d address" % step["version"]
        return "create %s on %s for %s" % (what, step["network_id"], _member_names(step["members"]))
    if action == "set_ports":
        return "set ports to %s" % _member_names(step["members"])
    if action == "delete":
        return "delete %s" % (step.get("address") or step["id"])
    if action in ("label", "unlabel"):
        return "%s %s %s" % (action, step["server"] or step["server_id"], step["key"])
    return "%s %s" % (action, step["server"] or step["server_id"])


def _member_names(members):
    return ", ".join(sorted(m.get("name") or m.get("id") or m["port_id"] for m in members))


def apply_step(current, step, result=None):
    """The view after one step. `result` is the API's answer where there is one (create)."""
    action = step["action"]
    if action == "create":
        created = result or {}
        members = [{"id": m["id"], "name": m["name"], "port_id": m["port_id"], "associated": False}
                   for m in step["members"]]
        return {"id": created.get("id"), "address": created.get("address", step.get("ip_address")),
                "network_id": step["network_id"], "version": step["version"],
                "type": created.get("type", "shared"), "subnet_id": created.get("subnet_id"),
                "name": None, "members": _sorted_members(members)}
    if action == "delete":
        return None
    new = copy.deepcopy(current)
    if action == "set_ports":
        old = dict((m["port_id"], m) for m in new["members"])
        new["members"] = _sorted_members([
            {"id": m["id"], "name": m["name"], "port_id": m["port_id"],
             "associated": old.get(m["port_id"], {}).get("associated", False)} for m in step["members"]])
        if result and result.get("type"):
            new["type"] = result["type"]
    elif action in ("associate", "disassociate"):
        for m in new["members"]:
            if m["id"] == step["server_id"]:
                m["associated"] = action == "associate"
    elif action == "label":
        new["name"] = step["name"]
    return new


def apply_all(current, steps):
    """Check mode: the state the real run would leave, from the same steps."""
    state = copy.deepcopy(current)
    for step in steps:
        state = apply_step(state, step)
    return state


def phases(steps):
    """Consecutive steps that may run together: per-server steps in groups, the rest alone."""
    out = []
    for step in steps:
        if out and step["action"] in PARALLEL_ACTIONS and out[-1][0]["action"] in PARALLEL_ACTIONS:
            out[-1].append(step)
        else:
            out.append([step])
    return out


def diff_view(state):
    """The managed keys only, for diff mode."""
    if state is None:
        return {}
    return {
        "address": state.get("address"), "name": state.get("name"),
        "members": dict((m.get("name") or m.get("id") or m["port_id"],
                         {"port_id": m["port_id"], "associated": m["associated"]}) for m in state["members"]),
    }
