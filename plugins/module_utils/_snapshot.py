# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The read step, shared by the cloud modules: a snapshot of what a task needs, from targeted reads only.

Servers are read by id or by exact name, ports with ``network_id`` and ``device_id``, addresses
with ``network_id`` and ``type=shared`` (or ``address``), holders by port id: no call grows with
servers or addresses that have nothing to do with the task. Independent reads run together in a
bounded pool; a no-op task reads in two or three rounds (network and servers; ports, addresses and
subnets; where needed, the addresses' internal views and holders).

The internal view (``GET /ip_addresses/{id}/ports``) is used only when it answers: hidden (404),
association state comes from this collection's own records in the members' metadata. Where those
records already say that every holder is associated, the view is not asked at all.
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.failover.shared_ip.plugins.module_utils._contract import POOL_SIZE, PlanError, is_uuid, labels
from ansible_collections.failover.shared_ip.plugins.module_utils._resolve import (
    DELETE_WITH_ADDRESS,
    Identity,
    has_record,
    network_request,
    resolve_network,
    resolve_servers,
    view,
)


def together(calls, size=POOL_SIZE):
    """Run [(key, func, *args)] in a bounded pool; {key: result}. The first error is raised."""
    calls = list(calls)
    if len(calls) <= 1:
        return dict((c[0], c[1](*c[2:])) for c in calls)
    with ThreadPoolExecutor(max_workers=min(size, len(calls))) as pool:
        futures = [(c[0], pool.submit(c[1], *c[2:])) for c in calls]
        return dict((key, future.result()) for key, future in futures)


class Snapshot:
    """What was read. Plain data: the decide step reads it and never calls the cloud.

    network: the network with its subnets; servers: {id: server} (members and holders read);
    found: {server spec: [servers read for it]}; ports: {port_id: port}; addresses: the shared
    addresses of interest (the network's, plus any read by id or address); asked: {address: the
    address object found for it on the network, fixed or shared, or None}; holders: {port_id:
    device_id}; services: {address_id: {port_id: service}} for addresses whose internal view
    answered; internal_view: True, False (hidden) or None (not asked yet); networks: {id: network} of
    other networks read to name them in a refusal; elsewhere: {address: shared IP on another network},
    read only to name it in a refusal; known_servers: every server of the account, read only to offer
    a near miss in a refusal; how_to_delete: the hint a refusal gives (the cluster module has its own).
    """

    def __init__(self):
        self.network = None
        self.servers = {}
        self.found = {}
        self.ports = {}
        self.addresses = []
        self.asked = {}
        self.holders = {}
        self.services = {}
        self.internal_view = None
        self.networks = {}
        self.elsewhere = {}
        self.known_servers = None
        self.how_to_delete = DELETE_WITH_ADDRESS

    def add_servers(self, servers):
        for server in servers:
            if server:
                self.servers[server["id"]] = server

    def add_ports(self, ports):
        for port in ports:
            self.ports[port["id"]] = port
            if port.get("device_id"):
                self.holders[port["id"]] = port["device_id"]

    def add_addresses(self, addresses):
        known = set(a["id"] for a in self.addresses)
        self.addresses += [a for a in addresses if a and a["id"] not in known]

    def address(self, address_id):
        for addr in self.addresses:
            if addr["id"] == address_id:
                return addr
        return None

    def identity(self):
        return Identity(self.addresses, list(self.servers.values()), self.how_to_delete)

    def view(self, addr):
        if addr is None:
            return None
        return view(addr, self.servers, self.holders, self.services.get(addr["id"]))

    def members_of(self, specs):
        return [s for spec in specs for s in self.found.get(spec) or []]


def server_reader(cloud, spec):
    if is_uuid(spec):
        return lambda: [s for s in [cloud.server(spec.lower())] if s]
    return lambda: cloud.servers(name=spec)


def network_reader(cloud, spec):
    how, value = network_request(spec)
    if how == "id":
        return lambda: [n for n in [cloud.network(value)] if n]
    return lambda: cloud.networks(name=value)


def read_cluster(cloud, network_spec, server_specs, addresses=(), ids=(), port_ids=(), subnets=True):
    """The snapshot for members on one network: the network, the members, their ports, the network's
    shared addresses, the addresses asked for (fixed or shared) and those asked by id. ``subnets``:
    also the network's subnets (else the caller reads them only when it needs them: a create).

    Round 1: the network and every member (in parallel); round 2: the members' ports, the shared
    addresses and subnets of the network, each address and id asked for (in parallel).
    """
    snap = Snapshot()
    _read_network_and_members(cloud, snap, network_spec, sorted(set(server_specs)))
    net_id = snap.network["id"]
    member_ids = sorted(snap.servers)
    wanted_ports = sorted(set(p.lower() for p in port_ids if is_uuid(p)))
    calls = [("shared", lambda: cloud.ip_addresses(network_id=net_id, type="shared"))]
    if member_ids:
        calls.append(("ports", lambda: cloud.ports(network_id=net_id, device_id=member_ids)))
    if wanted_ports:
        calls.append(("by_port", lambda: cloud.ports(network_id=net_id, ids=wanted_ports)))
    if subnets and [s for s in snap.network.get("subnets") or [] if not isinstance(s, dict)]:
        calls.append(("subnets", cloud.subnets, net_id))
    calls += [(("asked", a), _asked_reader(cloud, net_id, a)) for a in sorted(set(a for a in addresses if a))]
    calls += [(("id", i), cloud.ip_address, i.lower()) for i in sorted(set(i for i in ids if i))]
    _take_second_round(cloud, snap, together(calls))
    return snap


def _read_network_and_members(cloud, snap, network_spec, specs):
    names = [s for s in specs if not is_uuid(s)]
    calls = [("network", network_reader(cloud, network_spec))]
    calls += [(("server", spec), server_reader(cloud, spec)) for spec in specs if is_uuid(spec)]
    if names:       # every member named in one call: ^(name1|name2|...)$, compared exactly
        calls.append(("named", lambda: cloud.servers(names=names)))
    first = together(calls)
    networks = first.pop("network")
    snap.network = resolve_network(networks, network_spec, *network_hints(cloud, network_spec, networks))
    named = first.pop("named", [])
    for spec in names:
        first[("server", spec)] = [s for s in named if s["name"] == spec]
    for (_kind, spec), servers in first.items():
        snap.found[spec] = servers
        snap.add_servers(servers)


def _take_second_round(cloud, snap, second):
    snap.add_addresses(second.pop("shared"))
    snap.add_ports(second.pop("ports", []))
    by_port = second.pop("by_port", [])
    snap.add_ports(by_port)
    devices = sorted(set(p["device_id"] for p in by_port if p.get("device_id")) - set(snap.servers))
    snap.add_servers(together([(d, cloud.server, d) for d in devices]).values())
    if "subnets" in second:
        snap.network = cloud.with_subnets(snap.network, second.pop("subnets"))
    for key, value in second.items():
        if key[0] == "asked":
            snap.asked[key[1]] = value
            if value is not None and value.get("type") == "shared":
                snap.add_addresses([value])
        elif value:
            snap.add_addresses([value])


def network_hints(cloud, spec, networks):
    """(known, regions) for resolve_network when ``networks`` (read for ``spec``) holds none by name: every
    network of this region and the other regions that have one of that name (the refusal path only)."""
    if networks or network_request(spec)[0] != "name":
        return None, None
    return cloud.networks(), {"region": cloud.client.region, "elsewhere": cloud.regions_with_network(spec)}


def resolve_servers_hinting(cloud, found, specs, option):
    """resolve_servers; a server not found is refused with a near miss from every server of the account
    (read on that path only)."""
    known = []

    def read_more(refusal):
        if "no such server" not in refusal.reason or known:
            return False
        known.extend(cloud.servers())
        return True

    return refuse_fully(lambda: resolve_servers(found, specs, option, known or None), read_more)


def read_candidates(cloud, snap, refusal):
    """For a server not found (``no such server``): every server of the account, for a near miss."""
    if "no such server" not in refusal.reason or snap.known_servers is not None:
        return False
    snap.known_servers = cloud.servers()
    return True


def refuse_fully(decide, read_more):
    """``decide()``; on a refusal, ``read_more(refusal)`` reads what names every side of it (False when
    there is nothing more to read) and ``decide()`` runs again to raise the same refusal, now naming
    every side it can. The extra reads happen on the refusal path only. Returns what decide returns."""
    try:
        return decide()
    except PlanError as refusal:
        if not read_more(refusal):
            raise
        first = refusal
    decide()
    raise first


def read_elsewhere(cloud, snap, refusal):
    """For a refusal about an address or an id: the shared IP it names on another network, and that
    network, so that the refusal names both networks. True when something was read."""
    option = str(refusal.option).rsplit(".", 1)[-1]
    if option == "address" and refusal.value and refusal.value not in snap.elsewhere:
        found = [a for a in cloud.ip_addresses(address=str(refusal.value), type="shared")
                 if a["network_id"] != snap.network["id"]]
        if found:
            snap.elsewhere[refusal.value] = found[0]
    others = set(a["network_id"] for a in list(snap.addresses) + list(snap.elsewhere.values())
                 if a["network_id"] != snap.network["id"] and a["network_id"] not in snap.networks)
    for network_id in sorted(others):
        snap.networks[network_id] = cloud.network(network_id) or {"id": network_id}
    return bool(others)


def _asked_reader(cloud, network_id, address):
    def read():
        found = cloud.ip_addresses(network_id=network_id, address=address)
        shared = [a for a in found if a.get("type") == "shared"]
        return (shared or found or [None])[0]
    return read


def recorded(snap, addr):
    """Whether every port of ``addr`` is held by a server read that carries our association record."""
    ports = addr.get("port_ids") or []
    return bool(ports) and all(has_record(snap.servers.get(snap.holders.get(p)), addr["id"]) for p in ports)


def read_details(cloud, snap, address_ids):
    """Complete the snapshot for the addresses of interest: their internal views (when the cloud
    answers them), the devices of their ports not read yet, and those servers (labels, records)."""
    addresses = [a for a in (snap.address(i) for i in sorted(set(address_ids))) if a]
    unknown_ports = sorted(set(p for a in addresses for p in a.get("port_ids") or [] if p not in snap.holders))
    calls = []
    if snap.internal_view is not False:
        # Where this collection's records already say that every holder is associated, the view
        # would tell nothing more that a run acts on: it is asked only where a record is missing.
        calls += [(("view", a["id"]), cloud.ip_address_ports, a["id"]) for a in addresses if not recorded(snap, a)]
    if unknown_ports:
        calls.append(("ports", lambda: cloud.ports(ids=unknown_ports)))
    for key, value in together(calls).items():
        if key == "ports":
            snap.add_ports(value)
        else:
            _take_view(snap, key[1], value)
    devices = sorted(set(d for d in snap.holders.values() if d not in snap.servers))
    snap.add_servers(together([(d, cloud.server, d) for d in devices]).values())
    return snap


def _take_view(snap, address_id, ports):
    """The internal view of one address: None when hidden (then it is hidden for every address)."""
    snap.internal_view = ports is not None
    if ports is None:
        return
    snap.services[address_id] = dict((p["id"], p.get("service")) for p in ports)
    for p in ports:
        if p.get("device_id"):
            snap.holders.setdefault(p["id"], p["device_id"])


HOLDERS_READ = 2    # at most, per address: the read stays bounded by the number of addresses


def read_holders(cloud, snap, addresses):
    """A labelled holder of each address (every member carries its name label), for the rule that a
    name belongs to one shared IP. Read only before a name is given to an address, or to name both
    sides of a refusal: one GET /ports?id=... and the servers not read yet, in parallel. A holder
    without the address's label (edited by hand, a port added outside) does not tell: the next port's
    holder is read then, once (an address made outside the collection carries no label on any port)."""
    tried = set()
    for _round in range(HOLDERS_READ):
        wanted = [_next_holder_port(snap, addr, tried) for addr in addresses]
        wanted = sorted(set(p for p in wanted if p))
        if not wanted:
            break
        tried.update(wanted)
        unknown = [p for p in wanted if p not in snap.holders]
        if unknown:
            snap.add_ports(cloud.ports(ids=unknown))
        devices = sorted(set(snap.holders[p] for p in wanted if p in snap.holders) - set(snap.servers))
        snap.add_servers(together([(d, cloud.server, d) for d in devices]).values())
    return snap


def _next_holder_port(snap, addr, tried):
    """The address's next port whose holder is still to read, or None once a read holder carries its
    label (or every port was tried)."""
    ports = addr.get("port_ids") or []
    holders = [snap.servers.get(snap.holders.get(p)) for p in ports]
    if any(addr["id"] in labels(s).values() for s in holders if s):
        return None
    return next((p for p, s in zip(ports, holders) if s is None and p not in tried), None)


def read_by_id(cloud, address_id):
    """The snapshot of one address read by id (no network named): None when there is none."""
    addr = cloud.ip_address(address_id.lower())
    if addr is None:
        return None
    snap = Snapshot()
    snap.network = cloud.network(addr["network_id"]) or {"id": addr["network_id"]}
    snap.add_addresses([addr])
    return snap


def read_server(cloud, spec):
    """One server by id or exact name: [servers] (the caller refuses none or several)."""
    return server_reader(cloud, spec)()
