# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the cloud modules' tests (not a test file): the real simulator, clean per test with the
internal view hidden or served, and running a module in-process."""

from __future__ import absolute_import, division, print_function

import json

import pytest
import requests

from ansible_collections.failover.shared_ip.testbed.fakecloud import start


try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None


PAIR = {"network": "cluster-net", "name": "web", "servers": ["node01", "node02"]}


@pytest.fixture(scope="module")
def simulator():
    sim = start(port=0)
    yield sim
    sim.stop()


@pytest.fixture(params=["hidden", "served"])
def sim(simulator, monkeypatch, request):
    """The simulator, clean, with the internal view hidden (as the real cloud's tenants see it) or served."""
    for path in ("reset-state", "reset"):
        requests.post(simulator.url + "/_sim/" + path, timeout=10).raise_for_status()
    requests.post(simulator.url + "/_sim/config", timeout=10,
                  json={"internal_view": request.param == "served"}).raise_for_status()
    for name in ("RAX_USERNAME", "RAX_API_KEY", "RAX_CREDENTIALS", "RAX_CREDS_FILE", "RAX_REGION"):
        monkeypatch.delenv(name, raising=False)
    return simulator


def counters(sim):
    return requests.get(sim.url + "/_sim/counters", timeout=10).json()


def run(module, args, capsys, check=False):
    if patch_module_args is None:
        pytest.skip("needs ansible.module_utils.testing.patch_module_args")
    if check:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def login(sim, **extra):
    return dict({"identity_url": sim.identity_url, "username": "demo", "api_key": "demo-api-key"}, **extra)


def writes(sim):
    by_method = counters(sim)["by_method"]
    return sum(n for m, n in by_method.items() if m in ("PUT", "DELETE")) + by_method.get("POST", 0) - \
        counters(sim)["by_route"].get("POST /v2.0/tokens", 0)


def refused(sim, capsys, module, args, message):
    requests.post(sim.url + "/_sim/reset", timeout=10)
    out = run(module, dict(login(sim), **args), capsys)
    assert out.get("failed"), out
    assert out["msg"].startswith(message), out["msg"]
    assert "Traceback" not in json.dumps(out) and "exception" not in out
    assert writes(sim) == 0
    return out


CLUSTER = {"network": "cluster-net", "servers": ["node01", "node02", "node03"],
           "addresses": [{"name": "web", "preferred": ["node02", "node01"]},
                         {"name": "api", "address": "192.168.100.150"},
                         {"name": "web6", "version": 6, "servers": ["node01", "node02"]}]}
