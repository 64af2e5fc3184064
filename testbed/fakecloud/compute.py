"""Compute rules: servers, server metadata, and ip_associations (cloud-api.md section 4)."""
import re

from .errors import CloudError
from .lookup import locked, locked_views
from .paging import everything, matches, paged

META_MAX = 255


def _bad(message):
    return CloudError(400, "badRequest", message)


def _missing(message):
    return CloudError(404, "itemNotFound", message)


_LITERAL = re.compile(r"\^((?:[A-Za-z0-9_ \-]|\\[^A-Za-z0-9])*)\$")


def _literal(pattern):
    """The name a pattern of the form ^literal$ can only match, or None for any other pattern."""
    found = _LITERAL.fullmatch(pattern)
    return re.sub(r"\\(.)", r"\1", found.group(1)) if found else None


class ComputeRules:
    @locked_views
    def servers(self, tenant, region, filters, pager=everything, brief=False):
        """Like Nova, `name` is an unanchored regular expression searched in the name (node1 matches node10).
        Views are built for the page only (`brief`: id and name, as GET /servers answers)."""
        fields = {"status": lambda s: {s["status"]}, "id": lambda s: {s["id"]}}
        patterns = []
        for raw in filters.get("name", []):
            try:
                patterns.append(re.compile(raw))
            except re.error as exc:
                raise _bad("Invalid name filter %r: %s" % (raw, exc))
        r = self._r(region)
        exact = [_literal(raw) for raw in filters.get("name", [])]
        if exact and None not in exact:
            # Every pattern is ^literal$: the same answer from the name index, without a scan of the account.
            pool = [r["servers"][sid] for name in set(exact) for sid in r["servers_by_name"].get(name, ())]
        else:
            pool = r["servers"].values()
        found = []
        for server in pool:
            if server["tenant"] != tenant or not matches(server, filters, fields):
                continue
            if patterns and not any(p.search(server["name"]) for p in patterns):
                continue
            found.append(server)
        if brief:
            return paged(found, lambda s: {"id": s["id"], "name": s["name"]}, pager)
        return paged(found, lambda s: self._server_view(region, s), pager)

    @locked
    def server(self, tenant, region, server_id):
        return self._server_view(region, self._server(tenant, region, server_id))

    # ----- metadata -----

    @locked
    def metadata(self, tenant, region, server_id):
        return dict(self._server(tenant, region, server_id)["metadata"])

    @locked
    def metadata_item(self, tenant, region, server_id, key):
        meta = self._server(tenant, region, server_id)["metadata"]
        if key not in meta:
            raise _missing("Metadata item %s was not found" % key)
        return {key: meta[key]}

    @locked
    def set_metadata_item(self, tenant, region, server_id, key, body):
        server = self._server(tenant, region, server_id)
        meta = body.get("meta") if isinstance(body, dict) else None
        if not isinstance(meta, dict):
            raise _bad('Malformed request body: expected {"meta": {key: value}}')
        if len(meta) != 1:
            raise _bad("Request body contains too many items: exactly one key is allowed")
        if key not in meta:
            raise _bad("Request body and URI mismatch: the body names %s, the URI %s" % (list(meta)[0], key))
        value = meta[key]
        if not key or len(key) > META_MAX:
            raise _bad("Metadata key must be 1 to %d characters, got %d" % (META_MAX, len(key)))
        if not isinstance(value, str):
            raise _bad("Metadata value for %s must be a string, got %r" % (key, value))
        if len(value) > META_MAX:
            raise _bad("Metadata value for %s is longer than %d characters (%d)" % (key, META_MAX, len(value)))
        server["metadata"][key] = value
        return {key: value}

    @locked
    def delete_metadata_item(self, tenant, region, server_id, key):
        meta = self._server(tenant, region, server_id)["metadata"]
        if key not in meta:
            raise _missing("Metadata item %s was not found" % key)
        del meta[key]

    # ----- ip_associations -----

    def _holders(self, tenant, region, server_id, ip_id):
        server = self._server(tenant, region, server_id)
        ip = self._r(region)["ips"].get(ip_id)
        if ip is None or ip["tenant"] != tenant:
            raise _missing("IP address %s could not be found." % ip_id)
        return ip, [pid for pid in server["port_ids"] if pid in ip["port_ids"]]

    @locked
    def associations(self, tenant, region, server_id):
        """The list as Nova answers it (cloud-api.md section 4, caveat).

        Internal view hidden: Quark's tenant view, `GET /ip_addresses?device_id=SERVER&service=compute`:
        every address with a port on the server and ANY port associated, not necessarily this server's.
        Internal view served: exact, the addresses whose port on this server is associated.
        """
        server = self._server(tenant, region, server_id)
        mine = set(server["port_ids"])
        found = []
        for ip in self._ips_on_ports(region, mine):
            if self.internal_view():
                hit = any(ip["services"].get(pid) == "compute" for pid in mine)
            else:
                hit = "compute" in ip["services"].values()
            if hit:
                found.append(ip)
        return [{"id": ip["id"], "address": ip["address"]} for ip in sorted(found, key=lambda ip: ip["seq"])]

    @locked
    def association(self, tenant, region, server_id, ip_id):
        """Internal view hidden: 200 for any address of the tenant, associated or not (the caveat).
        Internal view served: 200 only when the server's own port holding it is associated, else 404."""
        ip, holders = self._holders(tenant, region, server_id, ip_id)
        if self.internal_view() and not any(ip["services"][pid] == "compute" for pid in holders):
            raise _missing("IP address %s is not associated with server %s" % (ip_id, server_id))
        return {"id": ip["id"], "address": ip["address"]}

    @locked
    def associate(self, tenant, region, server_id, ip_id, body=None):
        """PUT: the body is `{"ip_association": {}}` (Rackspace's client) or none at all (the guide)."""
        if body is not None and not (isinstance(body, dict) and isinstance(body.get("ip_association", {}), dict)):
            raise _bad('Malformed request body: expected {"ip_association": {}} or no body')
        ip, holders = self._holders(tenant, region, server_id, ip_id)
        if not holders:
            raise _missing("IP address %s is not on any port of server %s" % (ip_id, server_id))
        if len(holders) > 1:
            raise _bad("IP address %s is on %d ports of server %s: ambiguous" % (ip_id, len(holders), server_id))
        if ip["services"][holders[0]] != "none":
            raise _bad("IP association already exists: address %s, server %s" % (ip_id, server_id))
        ip["services"][holders[0]] = "compute"
        return {"id": ip["id"], "address": ip["address"]}

    @locked
    def disassociate(self, tenant, region, server_id, ip_id):
        ip, holders = self._holders(tenant, region, server_id, ip_id)
        bound = [pid for pid in holders if ip["services"][pid] == "compute"]
        if not bound:
            raise _missing("IP address %s is not associated with server %s" % (ip_id, server_id))
        for pid in bound:
            ip["services"][pid] = "none"
