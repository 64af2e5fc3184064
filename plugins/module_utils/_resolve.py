# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure: which network, servers and ports a task means, which existing address is "this one",
and the one shape every module returns a shared IP in (the *view*). No I/O, no Ansible import.

The view::

    {"id", "address", "network_id", "version", "type", "subnet_id", "name",
     "members": [{"id", "name", "port_id", "associated"}]}

``associated`` is True or False when the cloud's internal view told, or when this collection
holds its own record of the association (server metadata, see _contract.RECORD_PREFIX); None when
neither tells. Members are sorted by server name, then id, so that order never matters.
"""

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import (
    PUBLIC_NET_ID,
    SERVICE_NET_ID,
    PlanError,
    check_uuid,
    describe_address,
    did_you_mean,
    is_uuid,
    labels,
    near_miss,
    record_key,
    same_ip,
)

# How to delete a shared IP, in the words of the module that refuses: its hints say how to do it there.
DELETE_WITH_ADDRESS = "delete it with failover.shared_ip.address (state=absent)"
DELETE_WITH_CLUSTER = "leave its item out of addresses and run cluster with exclusive=true, which deletes it"
SERVICENET_WORDS = ("servicenet", "private", SERVICE_NET_ID)
PUBLICNET_WORDS = ("public", "publicnet")


# ---------------------------------------------------------------- network

def network_request(spec):
    """What to read for ``network``: ("id", uuid) or ("name", label). ServiceNet is refused here."""
    word = spec.strip().lower()
    if word in SERVICENET_WORDS:
        refuse_servicenet(spec)
    if word in PUBLICNET_WORDS:
        return "id", PUBLIC_NET_ID
    if is_uuid(word):
        return "id", word
    return "name", spec


def refuse_servicenet(spec):
    raise PlanError("network", spec, "ServiceNet carries no shared IPs (the cloud's quota there is 0); "
                                     "use public or an isolated network")


def resolve_network(networks, spec, known=None, regions=None):
    """The one network among those read for ``spec`` (by id, or listed by name).

    known: every network of the tenant, read only when none was found, to name them in the refusal;
    regions: {region: the current one, elsewhere: [other regions that have a network of that name]},
    read on that path too.
    """
    how, value = network_request(spec)
    if how == "id":
        found = [n for n in networks if n.get("id", "").lower() == value]
    else:
        found = [n for n in networks if n.get("name") == value]
    if len(found) > 1:
        raise PlanError("network", spec, "more than one network has this name: %s; give its UUID"
                        % ", ".join(sorted(n["id"] for n in found)), [n["id"] for n in found])
    if not found:
        _no_such_network(spec, known, regions)
    if found[0]["id"] == SERVICE_NET_ID:
        refuse_servicenet(spec)
    return found[0]


def _no_such_network(spec, known, regions):
    names = ["public"] + sorted(network_label(n) for n in known or []
                                if n["id"] not in (SERVICE_NET_ID, PUBLIC_NET_ID)) if known else []
    listed = " (known: %s)" % ", ".join(names) if names else ""
    elsewhere = (regions or {}).get("elsewhere") or []
    if elsewhere:
        raise PlanError("network", spec, "no such network in region %s%s; %s %s it: set region=%s"
                        % (regions.get("region"), listed, "region" if len(elsewhere) == 1 else "regions",
                           ", ".join(elsewhere) + (" has" if len(elsewhere) == 1 else " have"), elsewhere[0]))
    near = near_miss(spec, names)
    raise PlanError("network", spec, "no such network%s%s" % (listed, did_you_mean(near)), near)


def network_label(network):
    if network["id"] == PUBLIC_NET_ID:
        return "public"
    return network.get("name") or network["id"]


# ---------------------------------------------------------------- servers and ports

def resolve_servers(found, specs, option="servers", known=None):
    """Server specs (names or UUIDs) -> server dicts, without duplicates, in a stable order.

    ``found`` maps each spec to the servers read for it (by id, or listed by exact name); ``known``:
    every server of the account, read only to offer a near miss in a refusal.
    """
    out = {}
    for spec in specs:
        servers = [s for s in found.get(spec) or [] if _is(s, spec)]
        if not servers:
            near = [] if is_uuid(spec) else near_miss(spec, [s.get("name") for s in known or []])
            raise PlanError(option, spec, "no server with this id" if is_uuid(spec) else "no such server%s"
                            % did_you_mean(near), near)
        if len(servers) > 1:
            raise PlanError(option, spec, "more than one server has this name: %s; give its UUID"
                            % ", ".join(sorted(s["id"] for s in servers)), [s["id"] for s in servers])
        out[servers[0]["id"]] = servers[0]
    return sorted(out.values(), key=lambda s: (s.get("name") or "", s["id"]))


def _is(server, spec):
    """Whether ``server`` is the one ``spec`` names: by id, or by its exact name."""
    if is_uuid(spec):
        return server["id"].lower() == spec.lower()
    return server.get("name") == spec


def server_ports(network, ports, servers, option="servers"):
    """Each server's one port on the network -> {server_id: port_id}."""
    out = {}
    for server in servers:
        mine = [p for p in ports if p.get("device_id") == server["id"]
                and p.get("network_id", network["id"]) == network["id"]]
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
        if port is None or port.get("network_id", network["id"]) != network["id"]:
            raise PlanError(option, spec, "no such port on network %s" % network_label(network))
        if port.get("device_id") not in names:
            raise PlanError(option, spec, "port is not attached to a server of this account")
        if port["device_id"] in out and out[port["device_id"]] != port_id:
            raise PlanError(option, spec, "server %s already has port %s in this list"
                            % (names[port["device_id"]].get("name"), out[port["device_id"]]))
        out[port["device_id"]] = port_id
    return out


# ---------------------------------------------------------------- labels and records

def labelled_ids(servers, name):
    """Address ids that the servers' metadata label ``name`` with."""
    return sorted(set(labels(s)[name] for s in servers if name in labels(s)))


def labels_of(servers, address_id):
    """Names whose label points at address_id, by server id."""
    out = {}
    for s in servers:
        names = sorted(n for n, v in labels(s).items() if v == address_id)
        if names:
            out[s["id"]] = names
    return out


def names_of(servers, address_id):
    return sorted(set(n for ns in labels_of(servers, address_id).values() for n in ns))


def address_name(servers, address_id):
    names = names_of(servers, address_id)
    return names[0] if len(names) == 1 else (", ".join(names) if names else None)


def has_record(server, address_id):
    return address_id is not None and record_key(address_id) in ((server or {}).get("metadata") or {})


# ---------------------------------------------------------------- identity

def is_shared(addr):
    return addr.get("type") == "shared" or len(addr.get("port_ids") or []) > 1


class Identity:
    """Finds the existing address a task means, and refuses any two ways of naming it that disagree.

    addresses: the network's shared addresses (plus the one read by id or by address, if any);
    servers: the servers read (members, and the holders of the addresses of interest).
    """

    def __init__(self, addresses, servers, how_to_delete=DELETE_WITH_ADDRESS):
        self.addresses = list(addresses)
        self.by_id = dict((a["id"], a) for a in self.addresses)
        self.servers = list(servers)
        self.how_to_delete = how_to_delete

    def by_name(self, name, member_ids=None):
        """The address labelled ``name`` on the members (all servers read, when member_ids is None)."""
        holders = [s for s in self.servers if member_ids is None or s["id"] in member_ids]
        ids = [i for i in labelled_ids(holders, name) if i in self.by_id]
        if len(ids) > 1:
            raise PlanError("name", name, "the members' labels name more than one shared IP: %s"
                            % ", ".join(describe_address(self.by_id[i]) for i in ids), ids)
        return self.by_id[ids[0]] if ids else None

    def by_address(self, address):
        found = [a for a in self.addresses if same_ip(a.get("address"), address)]
        return found[0] if found else None

    def find(self, ident_id=None, address=None, name=None, member_ids=None, port_ids=None):
        """The address meant by id, address and name, all of which must agree; else by exact ports.

        Refuses (PlanError) before any write when two of them point at different shared IPs, or when
        a name would move to another address.
        """
        sides = self._sides(ident_id, address, name, member_ids)
        found = [side for side in sides if side[2] is not None]
        if found:
            return self._agreed(sides, found, name)
        chosen = self._by_ports(port_ids, name) if port_ids else None
        if name is not None:
            self._name_free(name, chosen, None)
        return chosen

    def _sides(self, ident_id, address, name, member_ids):
        """[(option, value, the address it points at or None)] for each way the task names one."""
        sides = []
        if ident_id is not None:
            ident_id = check_uuid("id", ident_id)
            sides.append(("id", ident_id, self.by_id.get(ident_id)))
        if address is not None:
            sides.append(("address", address, self.by_address(address)))
        if name is not None:
            sides.append(("name", name, self.by_name(name, member_ids)))
        return sides

    def _agreed(self, sides, found, name):
        """The one address every side found points at; the sides that found none must accept it."""
        first = found[0]
        chosen = first[2]
        for option, value, addr in found[1:]:
            if addr["id"] != chosen["id"]:
                raise PlanError(option, value, "points at shared IP %s, but %s=%s points at shared IP %s; "
                                "they must name the same one" % (self._who(addr), first[0], first[1],
                                                                 self._who(chosen)))
        for option, value, addr in sides:
            if addr is None:
                self._refuse_other_side(option, value, chosen)
        if name is not None:
            self._name_free(name, chosen, first)
            self._keeps_its_name(name, chosen, first, named=any(s[0] == "name" for s in found))
        return chosen

    def _keeps_its_name(self, name, chosen, first, named):
        """An address found by id or address that carries another name keeps it."""
        taken = [n for n in names_of(self.servers, chosen["id"]) if n != name]
        if taken and not named:
            raise PlanError("name", name, "%s=%s points at shared IP %s (%s), which is named %s; a shared IP "
                            "keeps its name (use name=%s; for another name, %s, then create it again)"
                            % (first[0], first[1], chosen["id"], chosen.get("address"), ", ".join(taken), taken[0],
                               self.how_to_delete))

    def _by_ports(self, port_ids, name):
        """The shared IP held by exactly ``port_ids``; with a name, only one that no name claims yet (an
        address created by an earlier run whose labels were never written)."""
        wanted = set(port_ids)
        candidates = [a for a in self.addresses if is_shared(a) and set(a.get("port_ids") or []) == wanted]
        if name is not None:
            candidates = [a for a in candidates if not labels_of(self.servers, a["id"])]
        if len(candidates) > 1:
            option, value = ("name", name) if name is not None else ("servers", "(exact member match)")
            raise PlanError(option, value, "more than one shared IP has exactly these members: %s; give id, "
                            "address or name" % ", ".join(describe_address(a) for a in candidates),
                            [a["id"] for a in candidates])
        return candidates[0] if candidates else None

    def named(self, name):
        """Every shared IP that ``name`` labels on any server read (members and holders alike)."""
        return [self.by_id[i] for i in labelled_ids(self.servers, name) if i in self.by_id]

    def _name_free(self, name, chosen, side):
        """A name belongs to one shared IP: refuse giving it to ``chosen`` (None: a new one) when the
        servers read show it on another. Only as good as the servers read: the read step reads one
        holder of each shared IP of the network before a name is given to an address."""
        others = [a for a in self.named(name) if chosen is None or a["id"] != chosen["id"]]
        if not others:
            return
        if chosen is None:
            target = "a new shared IP"
        else:
            target = "shared IP %s%s" % (self._who(chosen), ", which %s=%s points at" % side[:2] if side else "")
        raise PlanError("name", name, "already names shared IP %s; it cannot also name %s. A name belongs to one "
                        "shared IP and an address never changes: delete one of them first (%s)"
                        % (", ".join(self._who(a) for a in others), target, self.how_to_delete),
                        [a["id"] for a in others])

    def _who(self, addr):
        names = names_of(self.servers, addr["id"])
        return "%s%s" % (describe_address(addr), " named %s" % ", ".join(names) if names else "")

    def _refuse_other_side(self, option, value, chosen):
        if option == "address":
            raise PlanError("address", value, "shared IP %s has address %s: an address never changes; to use "
                            "another address, %s, then create it again with the new one"
                            % (self._who(chosen), chosen.get("address"), self.how_to_delete))
        if option == "id":
            raise PlanError("id", value, "no shared IP has this id, but the task's other options point at %s"
                            % self._who(chosen))
        # a name found on no member yet is given to this address: fine unless it already has another


# ---------------------------------------------------------------- the view

def view(addr, servers, holders=None, services=None):
    """The shared_ip shape of ``addr``.

    servers: the servers read ({id: server} or a list); holders: {port_id: device_id} of the ports
    that hold it, where known; services: {port_id: "none"|"compute"} from the internal view, or None
    when it is hidden (then the records of this collection tell).
    """
    if addr is None:
        return None
    if not isinstance(servers, dict):
        servers = dict((s["id"], s) for s in servers)
    holders = holders or {}
    members = []
    for port_id in addr.get("port_ids") or sorted(holders):
        device = holders.get(port_id)
        server = servers.get(device)
        if services is not None and port_id in services:
            associated = services[port_id] not in ("none", None)
        elif has_record(server, addr["id"]):
            associated = True
        else:
            associated = None
        members.append({"id": device, "name": (server or {}).get("name"), "port_id": port_id,
                        "associated": associated})
    return {
        "id": addr["id"], "address": addr.get("address"), "network_id": addr.get("network_id"),
        "version": int(addr["version"]) if addr.get("version") is not None else None,
        "type": addr.get("type"), "subnet_id": addr.get("subnet_id"),
        "name": address_name(list(servers.values()), addr["id"]),
        "members": sorted_members(members),
    }


def sorted_members(members):
    return sorted(members, key=lambda m: (m.get("name") or "", m.get("id") or "", m["port_id"]))
