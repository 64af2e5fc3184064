"""Fixtures for the simulator's own tests: one in-process simulator per module, reset before each test."""
import pytest

from testbed.fakecloud import start
from testbed.fakecloud.client import Control
from tests.testbed.fakecloud.helpers import OTHER, Api


@pytest.fixture(scope="module")
def sim():
    simulator = start(port=0)
    yield simulator
    simulator.stop()


@pytest.fixture
def control(sim):
    return Control(sim.url)


@pytest.fixture
def api(sim, control):
    control.reset_all()
    control.config(internal_view=False)
    return Api(sim)


@pytest.fixture
def served(control, api):
    """The internal view (GET /ip_addresses/{id}/ports) switched on for this test."""
    control.config(internal_view=True)
    return True


@pytest.fixture(params=[False, True], ids=["view hidden", "view served"])
def view(request, control, api):
    """Runs a test in both modes of the internal view; the value says whether it is served."""
    control.config(internal_view=request.param)
    return request.param


@pytest.fixture
def other(sim, api):
    return Api(sim, OTHER)
