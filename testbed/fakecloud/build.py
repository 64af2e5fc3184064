"""Turns a fixture (see fixture.py) into the records the rules work on."""
import copy
import hashlib
import ipaddress

from . import addressing
from .fixture import PUBLICNET, PUBLICNET_ID, SERVICENET, SERVICENET_ID, WELL_KNOWN_NETWORKS, FixtureError, stable_id


def _need(mapping, key, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise FixtureError("fixture: %s needs `%s`" % (where, key))
    return mapping[key]


def mac_for(port_id):
    digest = hashlib.sha1(port_id.encode()).hexdigest()
    return "bc:76:4e:" + ":".join(digest[i:i + 2] for i in range(0, 6, 2))


# The address ranges of the extra servers (`extra_servers`, see add_extra_servers): a PublicNet subnet of
# their own (RFC 2544's benchmark range, never contacted), IPv6 from ::1:0 of PublicNet's /64 and
# ServiceNet from 10.176.128.0, so that they never meet the fixture's addresses or the allocations.
EXTRA_PUBLIC_V4 = "198.18.0.0/15"
EXTRA_PUBLIC_V6_FROM = "2001:db8:10::1:0"
EXTRA_SERVICENET_FROM = "10.176.128.0"
EXTRA_MAX = 30000
_V6_HEAD = int(ipaddress.ip_address(EXTRA_PUBLIC_V6_FROM)) >> 64 << 64


def empty_region():
    """The records of one region, and the indexes that keep filtered reads independent of the account size:
    ips_by_port / ips_by_network / ips_by_type (sets of address ids), ports_by_network (sets of port ids),
    servers_by_name (sets of server ids; servers and their names never change at run time)."""
    return {"networks": {}, "subnets": {}, "ports": {}, "ips": {}, "servers": {},
            "ips_by_port": {}, "ips_by_network": {}, "ips_by_type": {}, "ports_by_network": {},
            "servers_by_name": {}}


class World:
    """All records, keyed by region. Plain dicts; the State guards them with its lock.

    Address records change only through add_ip, set_ip_ports and remove_ip, which keep the indexes.
    """

    def __init__(self):
        self.regions = []
        self.tenants = {}
        self.users = {}
        self.region = {}
        self.seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    def add_ip(self, region, network_id, subnet_id, address, version, tenant, port_ids, origin, ip_id):
        rec = {
            "id": ip_id,
            "network_id": network_id,
            "subnet_id": subnet_id,
            "address": address,
            "version": version,
            "tenant": tenant,
            "port_ids": list(port_ids),
            "services": {pid: "none" for pid in port_ids},
            "origin": origin,
            # Set at allocation, never changed (Quark's address_type): a shared IP cut to one port stays shared.
            "type": "fixed" if origin == "port" else "shared",
            "seq": self.next_seq(),
        }
        r = self.region[region]
        r["ips"][ip_id] = rec
        r["ips_by_network"].setdefault(network_id, set()).add(ip_id)
        r["ips_by_type"].setdefault(rec["type"], set()).add(ip_id)
        for pid in rec["port_ids"]:
            r["ips_by_port"].setdefault(pid, set()).add(ip_id)
        return rec

    def set_ip_ports(self, region, rec, port_ids):
        """Replace an address's ports; kept ports keep their service, added ones start at none."""
        r = self.region[region]
        for pid in rec["port_ids"]:
            r["ips_by_port"][pid].discard(rec["id"])
        rec["services"] = {pid: rec["services"].get(pid, "none") for pid in port_ids}
        rec["port_ids"] = list(port_ids)
        for pid in rec["port_ids"]:
            r["ips_by_port"].setdefault(pid, set()).add(rec["id"])

    def remove_ip(self, region, ip_id):
        r = self.region[region]
        rec = r["ips"].pop(ip_id)
        r["ips_by_network"][rec["network_id"]].discard(ip_id)
        r["ips_by_type"][rec["type"]].discard(ip_id)
        for pid in rec["port_ids"]:
            r["ips_by_port"][pid].discard(ip_id)

    def add_server(self, region, rec):
        r = self.region[region]
        r["servers"][rec["id"]] = rec
        r["servers_by_name"].setdefault(rec["name"], set()).add(rec["id"])

    def add_port(self, region, rec):
        r = self.region[region]
        r["ports"][rec["id"]] = rec
        r["ports_by_network"].setdefault(rec["network_id"], set()).add(rec["id"])


def build(fixture):
    fixture = copy.deepcopy(fixture)
    world = World()
    world.regions = [str(r).upper() for r in _need(fixture, "regions", "the top level")]
    for region in world.regions:
        world.region[region] = empty_region()
    for tenant in _need(fixture, "tenants", "the top level"):
        tid = str(_need(tenant, "id", "a tenant"))
        world.tenants[tid] = {
            "id": tid,
            "name": str(tenant.get("name", tid)),
            "default_region": str(tenant.get("default_region", world.regions[0])).upper(),
        }
        for user in tenant.get("users", []):
            name = str(_need(user, "username", "a user of tenant %s" % tid))
            world.users[name] = {
                "username": name,
                "id": stable_id("user", name),
                "api_key": user.get("api_key"),
                "password": user.get("password"),
                "tenant": tid,
            }
    _networks(world, fixture)
    for server in fixture.get("servers", []):
        _server(world, server)
    for shared in fixture.get("shared_ips", []):
        _shared_ip(world, shared)
    add_extra_servers(world, fixture.get("extra_servers") or 0)
    return world


def _networks(world, fixture):
    given = {n.get("name"): n for n in fixture.get("networks", []) if n.get("name") in (PUBLICNET, SERVICENET)}
    for region in world.regions:
        for known in WELL_KNOWN_NETWORKS:
            net = dict(known, **given.get(known["name"], {}))
            net["id"] = known["id"]
            _network(world, region, net, tenant=None)
    for net in fixture.get("networks", []):
        if net.get("name") in (PUBLICNET, SERVICENET):
            continue
        name = _need(net, "name", "a network")
        region = str(_need(net, "region", "network %s" % name)).upper()
        tenant = str(_need(net, "tenant", "network %s" % name))
        if region not in world.region:
            raise FixtureError("fixture: network %s is in unknown region %s" % (name, region))
        if tenant not in world.tenants:
            raise FixtureError("fixture: network %s belongs to unknown tenant %s" % (name, tenant))
        net = dict(net, id=net.get("id") or stable_id("network", region, name))
        _network(world, region, net, tenant)


def _network(world, region, net, tenant):
    rec = {
        "id": net["id"],
        "name": net["name"],
        "tenant": tenant,
        "subnets": [],
        "shared": tenant is None,
        "status": "ACTIVE",
    }
    world.region[region]["networks"][rec["id"]] = rec
    for sub in net.get("subnets", []):
        _network_subnet(world, region, rec, sub)


def _network_subnet(world, region, rec, sub):
    cidr = _need(sub, "cidr", "a subnet of network %s" % rec["name"])
    version = ipaddress.ip_network(cidr).version
    sid = sub.get("id") or stable_id("subnet", region, rec["name"], version)
    world.region[region]["subnets"][sid] = {
        "id": sid,
        "network_id": rec["id"],
        "cidr": cidr,
        "ip_version": version,
        "allocate_from": sub.get("allocate_from"),
        "tenant": rec["tenant"],
        "name": sub.get("name") or "%s-v%d" % (rec["name"], version),
    }
    rec["subnets"].append(sid)
    return sid


def network_by_name(world, region, name, tenant):
    for net in world.region[region]["networks"].values():
        if net["name"] == name and net["tenant"] in (None, tenant):
            return net
    raise FixtureError("fixture: no network %s for tenant %s in %s" % (name, tenant, region))


def _server(world, server):
    name = _need(server, "name", "a server")
    region = str(_need(server, "region", "server %s" % name)).upper()
    tenant = str(_need(server, "tenant", "server %s" % name))
    if region not in world.region or tenant not in world.tenants:
        raise FixtureError("fixture: server %s has unknown region %s or tenant %s" % (name, region, tenant))
    sid = server.get("id") or stable_id("server", region, name)
    rec = _server_record(sid, name, tenant, server)
    world.add_server(region, rec)
    for port in server.get("ports", []):
        net = network_by_name(world, region, _need(port, "network", "a port of server %s" % name), tenant)
        pid = port.get("id") or stable_id("port", region, name, net["name"])
        if pid in world.region[region]["ports"]:
            raise FixtureError("fixture: port %s of server %s is defined twice" % (pid, name))
        world.add_port(region, _port_record(pid, name, net, sid, tenant))
        rec["port_ids"].append(pid)
        addresses = port.get("fixed_ips")
        if addresses is None:
            addresses = [None] * len(net["subnets"])
        for address in addresses:
            _fixed_ip(world, region, net, pid, tenant, address)


def _port_record(pid, server_name, net, server_id, tenant):
    return {
        "id": pid,
        "name": "%s-%s" % (server_name, net["name"]),
        "network_id": net["id"],
        "device_id": server_id,
        "tenant": tenant,
        "mac_address": mac_for(pid),
        "status": "ACTIVE",
    }


def _server_record(sid, name, tenant, server):
    return {
        "id": sid,
        "name": name,
        "tenant": tenant,
        "status": server.get("status", "ACTIVE"),
        "zone": str(server.get("zone", "A")),
        "metadata": {str(k): str(v) for k, v in (server.get("metadata") or {}).items()},
        "port_ids": [],
        "created": "2026-01-01T00:00:00Z",
    }


def _v4_text(value):
    """str(ipaddress.IPv4Address(value)), several times faster."""
    return "%d.%d.%d.%d" % (value >> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255)


def _v6_text(value):
    """The canonical text of an address of EXTRA_PUBLIC_V6_FROM's /64 whose last two groups are not both 0."""
    assert value >> 64 << 64 == _V6_HEAD and (value >> 16) & 0xFFFF and not (value >> 32) & 0xFFFFFFFF
    return "2001:db8:10::%x:%x" % ((value >> 16) & 0xFFFF, value & 0xFFFF)


def add_extra_servers(world, count):
    """`count` servers unrelated to any cluster (issue 10's large account): bulk-00001, bulk-00002, ...
    of the first tenant in its default region, each with a PublicNet port (IPv4 + IPv6) and a ServiceNet
    port (IPv4), whose fixed addresses appear in GET /ip_addresses and /servers/detail like any other.
    Built directly (no per-address search), so 5,000 servers take well under a second."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= EXTRA_MAX:
        raise FixtureError("fixture: extra_servers must be a whole number from 0 to %d, got %r" % (EXTRA_MAX, count))
    if not count or not world.tenants:
        return
    tenant = next(iter(world.tenants.values()))
    region = tenant["default_region"]
    if region not in world.region:
        raise FixtureError("fixture: tenant %s's default region %s is not a region" % (tenant["id"], region))
    r = world.region[region]
    public, servicenet = r["networks"][PUBLICNET_ID], r["networks"][SERVICENET_ID]
    v4 = int(ipaddress.ip_network(EXTRA_PUBLIC_V4).network_address)
    v6_from, sn_from = int(ipaddress.ip_address(EXTRA_PUBLIC_V6_FROM)), int(ipaddress.ip_address(EXTRA_SERVICENET_FROM))
    sub_v4 = _network_subnet(world, region, public, {"cidr": EXTRA_PUBLIC_V4, "name": "PublicNet-bulk-v4",
                                                     "id": stable_id("subnet", region, "bulk", 4)})
    sub_v6 = _subnet_for(world, region, public, None, 6)
    sub_sn = _subnet_for(world, region, servicenet, None, 4)
    if sub_v6 is None or sub_sn is None:
        raise FixtureError("fixture: extra_servers need an IPv6 subnet on PublicNet and an IPv4 one on ServiceNet")
    taken = used_addresses(world, region, PUBLICNET_ID) | used_addresses(world, region, SERVICENET_ID)
    for n in range(1, count + 1):
        name = "bulk-%05d" % n
        sid = stable_id("server", region, name)
        rec = _server_record(sid, name, tenant["id"], {})
        world.add_server(region, rec)
        for net, addresses in ((public, [(sub_v4, 4, _v4_text(v4 + n)), (sub_v6["id"], 6, _v6_text(v6_from + n))]),
                               (servicenet, [(sub_sn["id"], 4, _v4_text(sn_from + n))])):
            pid = stable_id("port", region, name, net["name"])
            world.add_port(region, _port_record(pid, name, net, sid, tenant["id"]))
            rec["port_ids"].append(pid)
            for subnet_id, version, address in addresses:
                if address in taken:
                    raise FixtureError("fixture: %s of extra server %s is already used in the fixture" % (address, name))
                world.add_ip(region, net["id"], subnet_id, address, version, tenant["id"], [pid], "port",
                             stable_id("ip", region, address))


def _subnet_for(world, region, net, address, version=None):
    for sid in net["subnets"]:
        sub = world.region[region]["subnets"][sid]
        if address is not None and addressing.in_subnet(address, sub["cidr"]):
            return sub
        if address is None and sub["ip_version"] == version:
            return sub
    return None


def used_addresses(world, region, network_id):
    r = world.region[region]
    return {r["ips"][i]["address"] for i in r["ips_by_network"].get(network_id, ())}


def _fixed_ip(world, region, net, pid, tenant, address):
    if address is None:
        r = world.region[region]
        taken = {r["subnets"][r["ips"][i]["subnet_id"]]["ip_version"] for i in r["ips_by_port"].get(pid, ())}
        versions = [world.region[region]["subnets"][s]["ip_version"] for s in net["subnets"]]
        version = [v for v in versions if v not in taken][0]
        sub = _subnet_for(world, region, net, None, version)
        address = addressing.next_free(sub["cidr"], None, used_addresses(world, region, net["id"]))
    else:
        sub = _subnet_for(world, region, net, address)
        if sub is None:
            raise FixtureError("fixture: %s is in no subnet of network %s" % (address, net["name"]))
        address = addressing.canonical(address)
        if address in used_addresses(world, region, net["id"]):
            raise FixtureError("fixture: %s is used twice on network %s" % (address, net["name"]))
    world.add_ip(region, net["id"], sub["id"], address, sub["ip_version"], tenant, [pid], "port",
                 stable_id("ip", region, address))


def _shared_ip(world, shared):
    region = str(shared.get("region", world.regions[0])).upper()
    net_name = _need(shared, "network", "a shared ip")
    members = _need(shared, "members", "a shared ip")
    servers = {s["name"]: s for s in world.region[region]["servers"].values()}
    port_ids = []
    tenant = None
    for member in members:
        server = servers.get(member)
        if server is None:
            raise FixtureError("fixture: shared ip member %s is not a server in %s" % (member, region))
        tenant = server["tenant"]
        net = network_by_name(world, region, net_name, tenant)
        port_ids += [p for p in server["port_ids"] if world.region[region]["ports"][p]["network_id"] == net["id"]]
    version = int(shared.get("version", 4))
    address = shared.get("address")
    sub = _subnet_for(world, region, net, address, version if address is None else None)
    if address is None:
        address = addressing.next_free(sub["cidr"], sub["allocate_from"], used_addresses(world, region, net["id"]))
    ip_id = shared.get("id") or stable_id("ip", region, address)
    rec = world.add_ip(region, net["id"], sub["id"], addressing.canonical(address), sub["ip_version"], tenant,
                       port_ids, "api", ip_id)
    for member in shared.get("associated", []):
        for pid in servers[member]["port_ids"]:
            if pid in rec["services"]:
                rec["services"][pid] = "compute"
