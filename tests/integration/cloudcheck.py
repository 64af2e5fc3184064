"""An independent look at the simulator: plain HTTP, no code of the collection.

The tests verify what the modules did with this, never with the modules themselves.
Its own API calls are counted by the simulator too: read counters before looking.
"""
from __future__ import annotations

import requests

TENANT = "123456"
REGION = "DFW"
WRITE_METHODS = ("POST", "PUT", "DELETE")


class CloudCheck:
    def __init__(self, url, username="demo", api_key="demo-api-key"):
        self.url = url
        self.http = requests.Session()
        self.username, self.api_key = username, api_key
        self.network = "%s/network/%s/v2.0" % (url, REGION)
        self.compute = "%s/compute/%s/v2/%s" % (url, REGION, TENANT)
        self._token = None

    # -- the simulator's control API (not counted) --------------------------------------------

    def sim(self, method, path, body=None):
        resp = self.http.request(method, self.url + "/_sim/" + path, json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def reset_state(self):
        self.sim("POST", "reset-state")
        self.sim("DELETE", "faults")
        self.sim("POST", "reset")
        self._token = None

    def reset_counters(self):
        self.sim("POST", "reset")

    def counters(self):
        return self.sim("GET", "counters")

    def writes(self):
        """Write calls since the last reset (the identity POST is not a write to the cloud)."""
        counters = self.counters()["by_route"]
        return dict((route, n) for route, n in counters.items()
                    if route.split(" ", 1)[0] in WRITE_METHODS and not route.endswith("/tokens"))

    def reads(self):
        counters = self.counters()["by_route"]
        return dict((route, n) for route, n in counters.items() if route.startswith("GET "))

    def faults(self, **body):
        return self.sim("POST", "faults", body)

    # -- the cloud API ------------------------------------------------------------------------

    def token(self):
        if self._token is None:
            body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": self.username, "apiKey": self.api_key}}}
            resp = self.http.post(self.url + "/v2.0/tokens", json=body, timeout=10)
            resp.raise_for_status()
            self._token = resp.json()["access"]["token"]["id"]
        return self._token

    def get(self, base, path, **params):
        resp = self.http.get(base + path, params=params, headers={"X-Auth-Token": self.token()}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def network_id(self, name):
        return [n["id"] for n in self.get(self.network, "/networks")["networks"] if n["name"] == name][0]

    def servers(self):
        return dict((s["name"], s) for s in self.get(self.compute, "/servers/detail")["servers"])

    def addresses(self, network="cluster-net", shared_only=True):
        found = self.get(self.network, "/ip_addresses", network_id=self.network_id(network))["ip_addresses"]
        return [a for a in found if not shared_only or a["type"] == "shared" or len(a["port_ids"]) > 1]

    def address(self, network="cluster-net", **match):
        found = [a for a in self.addresses(network, shared_only=False)
                 if all(a.get(k) == v for k, v in match.items())]
        assert len(found) <= 1, found
        return found[0] if found else None

    def members(self, ip_id):
        """{server name: service} of the ports that hold the address."""
        names = dict((s["id"], name) for name, s in self.servers().items())
        ports = self.get(self.network, "/ip_addresses/%s/ports" % ip_id)["ip_addresses_ports"]
        return dict((names[p["device_id"]], p["service"]) for p in ports)

    def associated(self, server_name):
        """Addresses associated with the server, as the compute side sees them."""
        server = self.servers()[server_name]
        return sorted(a["address"] for a in
                      self.get(self.compute, "/servers/%s/ip_associations" % server["id"])["ip_associations"])

    def labels(self, name):
        """{server name: address id} of the servers carrying the label of `name`."""
        key = "failover-shared-ip:" + name
        return dict((n, s["metadata"][key]) for n, s in self.servers().items() if key in (s.get("metadata") or {}))

    def port_of(self, server_name, network="cluster-net"):
        server = self.servers()[server_name]
        ports = self.get(self.network, "/ports", network_id=self.network_id(network), device_id=server["id"])["ports"]
        assert len(ports) == 1, ports
        return ports[0]["id"]
