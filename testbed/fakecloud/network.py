"""Network endpoint reads: networks, subnets, ports (tenant-scoped, filterable)."""
from .errors import not_found
from .lookup import locked, locked_views
from .paging import everything, matches, paged


def _one(key):
    return lambda item: {str(item[key])}


NETWORK_FILTERS = {"id": _one("id"), "name": _one("name"), "status": _one("status"),
                   "shared": lambda n: {str(n["shared"]), str(n["shared"]).lower()}}
SUBNET_FILTERS = {"id": _one("id"), "network_id": _one("network_id"), "ip_version": _one("ip_version"),
                  "cidr": _one("cidr"), "name": _one("name")}
PORT_FILTERS = {"id": _one("id"), "network_id": _one("network_id"), "device_id": _one("device_id"),
                "mac_address": _one("mac_address"), "name": _one("name"), "status": _one("status")}


class NetworkRules:
    """List methods take the request's pager (paging.pager) and answer (views of one page, links)."""

    @locked_views
    def networks(self, tenant, region, filters, pager=everything):
        nets = [n for n in self._r(region)["networks"].values() if n["tenant"] in (None, tenant)]
        found = [n for n in nets if matches(self._network_view(region, n), filters, NETWORK_FILTERS)]
        return paged(found, lambda n: self._network_view(region, n), pager)

    @locked
    def network(self, tenant, region, network_id):
        return self._network_view(region, self._network(tenant, region, network_id))

    @locked_views
    def subnets(self, tenant, region, filters, pager=everything):
        subs = [s for s in self._r(region)["subnets"].values() if s["tenant"] in (None, tenant)]
        return paged([s for s in subs if matches(self._subnet_view(s), filters, SUBNET_FILTERS)],
                     self._subnet_view, pager)

    @locked
    def subnet(self, tenant, region, subnet_id):
        sub = self._r(region)["subnets"].get(subnet_id)
        if sub is None or sub["tenant"] not in (None, tenant):
            raise not_found("Subnet %s could not be found." % subnet_id, "SubnetNotFound")
        return self._subnet_view(sub)

    @locked_views
    def ports(self, tenant, region, filters, pager=everything):
        """Filtered by the record's own fields (device_id and network_id through the indexes), so that
        `?device_id=X&network_id=Y` reads a server's few ports, not the account's."""
        r = self._r(region)
        candidates = None
        if "device_id" in filters:
            candidates = set()
            for did in filters["device_id"]:
                server = r["servers"].get(did)
                candidates |= set(server["port_ids"]) if server else set()
        if "network_id" in filters:
            on_net = set()
            for nid in filters["network_id"]:
                on_net |= r["ports_by_network"].get(nid, set())
            candidates = on_net if candidates is None else candidates & on_net
        ports = r["ports"].values() if candidates is None else [r["ports"][pid] for pid in candidates]
        found = [p for p in ports if p["tenant"] == tenant and matches(p, filters, PORT_FILTERS)]
        return paged(found, lambda p: self._port_view(region, p), pager)

    @locked
    def port(self, tenant, region, port_id):
        return self._port_view(region, self._port(tenant, region, port_id))
