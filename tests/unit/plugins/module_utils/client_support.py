"""Shared fixtures of the client and cloud tests (not a test file): a real simulator, its control API, a secret check.

Imported by test_client*.py and test_cloud.py; it holds no tests itself. The simulator is driven
through testbed/fakecloud/client.py (the one simulator client), independent of the client under test.
"""

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import Client
from ansible_collections.failover.shared_ip.testbed.fakecloud import start
from ansible_collections.failover.shared_ip.testbed.fakecloud import client as simclient

API_KEY = simclient.DEMO["api_key"]
PASSWORD = simclient.DEMO["password"]
SECRETS = (API_KEY, PASSWORD, simclient.OTHER["api_key"], "hush-hush")


class Control(simclient.Control):
    """The simulator's /_sim/ API, plus the raw calls and counts these tests use."""

    def __init__(self, sim):
        super().__init__(sim.url)
        self.sim = sim

    def call(self, method, what, body=None):
        """``what``: a path from the simulator's root ("/_sim/config", "/v2.0/tokens") or, as in the
        base class, a control name ("reset"). The JSON answer; an error answer raises."""
        if not what.startswith("/"):
            return super().call(method, what, body)
        return simclient.request(method, self.url + what, body, timeout=60).raise_for_status().json()

    def count(self, method, suffix):
        """Requests counted on routes of ``method`` whose template ends with ``suffix`` ("/ip_addresses")."""
        return sum(n for route, n in self.counters()["by_route"].items()
                   if route.split(" ", 1)[0] == method and route.endswith(suffix))

    def token(self, username="demo", api_key=API_KEY):
        body = simclient.login_body(username, api_key=api_key)
        return self.call("POST", "/v2.0/tokens", body)["access"]["token"]["id"]

    def reset(self):
        """Fixture state, no faults, empty log and counters (the base class's reset_all; its reset
        clears the log and counters only, and reset_all calls it)."""
        self.reset_state()
        self.clear_faults()
        super().reset()


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
