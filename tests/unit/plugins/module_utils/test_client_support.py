"""Shared fixtures of the client and cloud tests: a real simulator, its control API, a secret check.

Imported by test_client.py and test_cloud.py; it holds no tests itself.
"""

import json
import urllib.request

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import Client
from ansible_collections.failover.shared_ip.tests.fakecloud import start

API_KEY = "demo-api-key"
PASSWORD = "demo-password"
SECRETS = (API_KEY, PASSWORD, "other-api-key", "hush-hush")


class Control:
    """The simulator's /_sim/ API, spoken with plain urllib (independent of the client under test)."""

    def __init__(self, sim):
        self.sim = sim
        self.url = sim.url
        self.identity_url = sim.identity_url

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def faults(self, **faults):
        return self.call("POST", "/_sim/faults", faults)

    def counters(self):
        return self.call("GET", "/_sim/counters")

    def count(self, method, suffix):
        """Requests counted on routes of ``method`` whose template ends with ``suffix`` ("/ip_addresses")."""
        return sum(n for route, n in self.counters()["by_route"].items()
                   if route.split(" ", 1)[0] == method and route.endswith(suffix))

    def token(self, username="demo", api_key=API_KEY):
        body = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": username, "apiKey": api_key}}}
        return self.call("POST", "/v2.0/tokens", body)["access"]["token"]["id"]

    def reset(self):
        self.call("DELETE", "/_sim/faults")
        self.call("POST", "/_sim/reset-state")
        self.call("POST", "/_sim/reset")


class Recorder:
    """An injected sleep that records the delays the client chose and does not wait."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


def make_sim(fixture=None):
    sim = start(port=0, fixture=fixture)
    return sim, Control(sim)


@pytest.fixture(scope="module")
def cloud_sim():
    sim, control = make_sim()
    yield control
    sim.stop()


@pytest.fixture
def sim(cloud_sim):
    cloud_sim.reset()
    yield cloud_sim


@pytest.fixture
def sleeps():
    return Recorder()


@pytest.fixture
def client_for(sim, sleeps):
    """client_for(**options) -> a Client of the demo account on the simulator, with recorded sleeps."""

    def make(**options):
        options.setdefault("identity_url", sim.identity_url)
        if not any(k in options for k in ("api_key", "password", "auth_token", "credentials")):
            options.update(username="demo", api_key=API_KEY)
        options.setdefault("sleep", sleeps)
        return Client.from_options(**options)

    return make


def assert_no_secret(*texts, tokens=()):
    """No API key, password or token in any of the texts (messages, reprs, failure dicts)."""
    joined = "\n".join(str(t) for t in texts)
    for secret in tuple(SECRETS) + tuple(t for t in tokens if t):
        assert secret not in joined, "a secret leaked into: %s" % joined.replace(secret, "<SECRET>")


def texts_of(exc):
    """Every way an error is shown: str, repr, failure dict, args."""
    return [str(exc), repr(exc), exc.failure(), exc.args]
