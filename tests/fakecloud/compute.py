"""Compute rules: servers, server metadata, and ip_associations (cloud-api.md section 4)."""
import re

from .errors import CloudError
from .lookup import locked
from .paging import matches

META_MAX = 255


def _bad(message):
    return CloudError(400, "badRequest", message)


def _missing(message):
    return CloudError(404, "itemNotFound", message)


class ComputeRules:
    @locked
    def servers(self, tenant, region, filters):
        """Like Nova, `name` is a regular expression searched in the name (node1 matches node10 too)."""
        fields = {"status": lambda s: {s["status"]}, "id": lambda s: {s["id"]}}
        patterns = []
        for raw in filters.get("name", []):
            try:
                patterns.append(re.compile(raw))
            except re.error as exc:
                raise _bad("Invalid name filter %r: %s" % (raw, exc))
        found = []
        for server in self._r(region)["servers"].values():
            if server["tenant"] != tenant or not matches(server, filters, fields):
                continue
            if patterns and not any(p.search(server["name"]) for p in patterns):
                continue
            found.append(self._server_view(region, server))
        return sorted(found, key=lambda s: s["id"])

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
        server = self._server(tenant, region, server_id)
        ips = [ip for ip in self._r(region)["ips"].values()
               if any(ip["services"].get(pid) == "compute" for pid in server["port_ids"])]
        return [{"id": ip["id"], "address": ip["address"]} for ip in sorted(ips, key=lambda ip: ip["seq"])]

    @locked
    def association(self, tenant, region, server_id, ip_id):
        ip, holders = self._holders(tenant, region, server_id, ip_id)
        if not any(ip["services"][pid] == "compute" for pid in holders):
            raise _missing("IP address %s is not associated with server %s" % (ip_id, server_id))
        return {"id": ip["id"], "address": ip["address"]}

    @locked
    def associate(self, tenant, region, server_id, ip_id):
        ip, holders = self._holders(tenant, region, server_id, ip_id)
        if not holders:
            raise _missing("IP address %s is not on any port of server %s" % (ip_id, server_id))
        if len(holders) > 1:
            raise _bad("IP address %s is on %d ports of server %s: ambiguous" % (ip_id, len(holders), server_id))
        if ip["services"][holders[0]] != "none":
            raise _bad("Association of IP address %s with server %s already exists" % (ip_id, server_id))
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
