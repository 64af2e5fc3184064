"""Fixtures for the simulator's own tests: one in-process simulator per module, reset before each test."""
import pytest
import requests

from tests.fakecloud import start
from tests.fakecloud_tests.helpers import OTHER, Api


@pytest.fixture(scope="module")
def sim():
    simulator = start(port=0)
    yield simulator
    simulator.stop()


@pytest.fixture
def api(sim):
    requests.post(sim.url + "/_sim/reset-state", timeout=10)
    requests.delete(sim.url + "/_sim/faults", timeout=10)
    requests.post(sim.url + "/_sim/reset", timeout=10)
    requests.post(sim.url + "/_sim/config", json={"internal_view": False}, timeout=10)
    return Api(sim)


@pytest.fixture
def served(sim, api):
    """The internal view (GET /ip_addresses/{id}/ports) switched on for this test."""
    requests.post(sim.url + "/_sim/config", json={"internal_view": True}, timeout=10)
    return True


@pytest.fixture(params=[False, True], ids=["view hidden", "view served"])
def view(request, sim, api):
    """Runs a test in both modes of the internal view; the value says whether it is served."""
    requests.post(sim.url + "/_sim/config", json={"internal_view": request.param}, timeout=10)
    return request.param


@pytest.fixture
def other(sim, api):
    return Api(sim, OTHER)
