"""Helpers of the simulator's own tests: `Api`, a plain-HTTP caller (requests) logged in as a tenant,
and the stable ids of the built-in fixture."""
import requests

from tests.fakecloud import PUBLICNET_ID, SERVICENET_ID, stable_id

DEMO = ("demo", "demo-api-key", "123456")
OTHER = ("other", "other-api-key", "654321")


def server_id(name, region="DFW"):
    return stable_id("server", region, name)


def port_id(server, network, region="DFW"):
    return stable_id("port", region, server, network)


CLUSTER_NET = stable_id("network", "DFW", "cluster-net")


class Api:
    """Calls one simulator as one tenant. `.net(...)`, `.comp(...)` return requests.Response."""

    def __init__(self, sim, user=DEMO, region="DFW"):
        self.sim, self.region = sim, region
        self.username, self.api_key, self.tenant = user
        self.session = requests.Session()
        self.token = self.login()

    def login(self, **auth):
        body = auth or {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": self.username, "apiKey": self.api_key}}}
        r = self.session.post(self.sim.identity_url + "/tokens", json=body, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["access"]["token"]["id"]

    def call(self, method, url, body=None, params=None, token=None):
        headers = {"X-Auth-Token": token or self.token}
        return self.session.request(method, url, json=body, params=params, headers=headers, timeout=10)

    def net(self, method, path, body=None, token=None, **params):
        url = "%s/network/%s/v2.0%s" % (self.sim.url, self.region, path)
        return self.call(method, url, body, params or None, token)

    def comp(self, method, path, body=None, token=None, **params):
        url = "%s/compute/%s/v2/%s%s" % (self.sim.url, self.region, self.tenant, path)
        return self.call(method, url, body, params or None, token)

    # shortcuts for the common steps of the flow
    def share(self, servers, network="cluster-net", version=4, **extra):
        net_id = {"PublicNet": PUBLICNET_ID, "ServiceNet": SERVICENET_ID}.get(network) or stable_id(
            "network", self.region, network)
        spec = dict({"network_id": net_id, "version": version,
                     "port_ids": [port_id(s, network, self.region) for s in servers]}, **extra)
        return self.net("POST", "/ip_addresses", {"ip_address": spec})

    def associate(self, server, ip_id):
        return self.comp("PUT", "/servers/%s/ip_associations/%s" % (server_id(server, self.region), ip_id))


def error(response, key="NeutronError"):
    """The error object of a response, asserting its shape."""
    body = response.json()
    assert list(body) == [key], body
    return body[key]


WEBOB_TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
                500: "Internal Server Error", 503: "Service Unavailable"}


def quark_error(response, status):
    """The webob error body of Quark's /ip_addresses routes, asserting its exact shape (no error type)."""
    body = response.json()
    assert sorted(body) == ["code", "message", "title"], body
    assert body["code"] == status and body["title"] == WEBOB_TITLES[status] and body["message"], body
    return body
