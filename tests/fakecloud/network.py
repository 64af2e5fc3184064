"""Network endpoint reads: networks, subnets, ports (tenant-scoped, filterable)."""
from .lookup import locked
from .paging import matches
from .errors import not_found


def _one(key):
    return lambda item: {str(item[key])}


NETWORK_FILTERS = {"id": _one("id"), "name": _one("name"), "status": _one("status"),
                   "shared": lambda n: {str(n["shared"]), str(n["shared"]).lower()}}
SUBNET_FILTERS = {"id": _one("id"), "network_id": _one("network_id"), "ip_version": _one("ip_version"),
                  "cidr": _one("cidr"), "name": _one("name")}
PORT_FILTERS = {"id": _one("id"), "network_id": _one("network_id"), "device_id": _one("device_id"),
                "mac_address": _one("mac_address"), "name": _one("name"), "status": _one("status")}


class NetworkRules:
    @locked
    def networks(self, tenant, region, filters):
        nets = [self._network_view(region, n) for n in self._r(region)["networks"].values()
                if n["tenant"] in (None, tenant)]
        return sorted((n for n in nets if matches(n, filters, NETWORK_FILTERS)), key=lambda n: n["id"])

    @locked
    def network(self, tenant, region, network_id):
        return self._network_view(region, self._network(tenant, region, network_id))

    @locked
    def subnets(self, tenant, region, filters):
        subs = [self._subnet_view(s) for s in self._r(region)["subnets"].values() if s["tenant"] in (None, tenant)]
        return sorted((s for s in subs if matches(s, filters, SUBNET_FILTERS)), key=lambda s: s["id"])

    @locked
    def subnet(self, tenant, region, subnet_id):
        sub = self._r(region)["subnets"].get(subnet_id)
        if sub is None or sub["tenant"] not in (None, tenant):
            raise not_found("Subnet %s could not be found." % subnet_id, "SubnetNotFound")
        return self._subnet_view(sub)

    @locked
    def ports(self, tenant, region, filters):
        ports = [self._port_view(region, p) for p in self._r(region)["ports"].values() if p["tenant"] == tenant]
        return sorted((p for p in ports if matches(p, filters, PORT_FILTERS)), key=lambda p: p["id"])

    @locked
    def port(self, tenant, region, port_id):
        return self._port_view(region, self._port(tenant, region, port_id))
