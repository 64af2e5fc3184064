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
    return Api(sim)


@pytest.fixture
def other(sim, api):
    return Api(sim, OTHER)
