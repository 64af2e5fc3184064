"""Turns a fixture (see fixture.py) into the records the rules work on."""
import copy
import hashlib
import ipaddress

from . import addressing
from .fixture import PUBLICNET, SERVICENET, WELL_KNOWN_NETWORKS, FixtureError, stable_id


def _need(mapping, key, where):
    if not isinstance(mapping, dict) or key not in mapping:
        raise FixtureError("fixture: %s needs `%s`" % (where, key))
    return mapping[key]


def mac_for(port_id):
    digest = hashlib.sha1(port_id.encode()).hexdigest()
    return "bc:76:4e:" + ":".join(digest[i:i + 2] for i in range(0, 6, 2))


def empty_region():
    return {"networks": {}, "subnets": {}, "ports": {}, "ips": {}, "servers": {}}


class World:
    """All records, keyed by region. Plain dicts; the State guards them with its lock."""

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
            "seq": self.next_seq(),
        }
        self.region[region]["ips"][ip_id] = rec
        return rec


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
    for sub in net.get("subnets", []):
        cidr = _need(sub, "cidr", "a subnet of network %s" % net["name"])
        version = ipaddress.ip_network(cidr).version
        sid = sub.get("id") or stable_id("subnet", region, net["name"], version)
        world.region[region]["subnets"][sid] = {
            "id": sid,
            "network_id": rec["id"],
            "cidr": cidr,
            "ip_version": version,
            "allocate_from": sub.get("allocate_from"),
            "tenant": tenant,
            "name": "%s-v%d" % (net["name"], version),
        }
        rec["subnets"].append(sid)
    world.region[region]["networks"][rec["id"]] = rec


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
    rec = {
        "id": sid,
        "name": name,
        "tenant": tenant,
        "status": server.get("status", "ACTIVE"),
        "zone": str(server.get("zone", "A")),
        "metadata": {str(k): str(v) for k, v in (server.get("metadata") or {}).items()},
        "port_ids": [],
        "created": "2026-01-01T00:00:00Z",
    }
    world.region[region]["servers"][sid] = rec
    for port in server.get("ports", []):
        net = network_by_name(world, region, _need(port, "network", "a port of server %s" % name), tenant)
        pid = port.get("id") or stable_id("port", region, name, net["name"])
        world.region[region]["ports"][pid] = {
            "id": pid,
            "name": "%s-%s" % (name, net["name"]),
            "network_id": net["id"],
            "device_id": sid,
            "tenant": tenant,
            "mac_address": mac_for(pid),
            "status": "ACTIVE",
        }
        rec["port_ids"].append(pid)
        addresses = port.get("fixed_ips")
        if addresses is None:
            addresses = [None] * len(net["subnets"])
        for address in addresses:
            _fixed_ip(world, region, net, pid, tenant, address)


def _subnet_for(world, region, net, address, version=None):
    for sid in net["subnets"]:
        sub = world.region[region]["subnets"][sid]
        if address is not None and addressing.in_subnet(address, sub["cidr"]):
            return sub
        if address is None and sub["ip_version"] == version:
            return sub
    return None


def used_addresses(world, region, network_id):
    return {ip["address"] for ip in world.region[region]["ips"].values() if ip["network_id"] == network_id}


def _fixed_ip(world, region, net, pid, tenant, address):
    if address is None:
        taken = {
            world.region[region]["subnets"][ip["subnet_id"]]["ip_version"]
            for ip in world.region[region]["ips"].values()
            if pid in ip["port_ids"]
        }
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
