# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud modules in-process against the real simulator: connection options, errors, check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.failover.shared_ip.plugins.module_utils import _module, _plan, _resolve, _steps
from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, auth, binding
from ansible_collections.failover.shared_ip.tests.fakecloud import start

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


@pytest.fixture
def sim(simulator, monkeypatch):
    for path in ("reset-state", "reset"):
        requests.post(simulator.url + "/_sim/" + path, timeout=10).raise_for_status()
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


def test_credentials_from_the_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv("RAX_USERNAME", "demo")
    monkeypatch.setenv("RAX_API_KEY", "demo-api-key")
    monkeypatch.setenv("RAX_REGION", "dfw")
    out = run(auth, {"identity_url": sim.identity_url}, capsys)
    assert out["region"] == "DFW" and out["tenant_id"] == "123456"


def test_an_explicit_password_wins_over_a_key_in_the_environment(sim, capsys, monkeypatch):
    monkeypatch.setenv("RAX_API_KEY", "some-other-key")
    out = run(auth, {"identity_url": sim.identity_url, "username": "demo", "password": "demo-password"}, capsys)
    assert not out.get("failed"), out.get("msg")


def test_credentials_file(sim, capsys, monkeypatch, tmp_path):
    creds = tmp_path / "pyrax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\napi_key = demo-api-key\n")
    monkeypatch.setenv("RAX_CREDS_FILE", str(creds))
    out = run(address_info, {"identity_url": sim.identity_url}, capsys)
    assert out["shared_ips"] == []


def test_wrong_key_is_a_clear_failure_without_the_key(sim, capsys):
    out = run(address, dict(PAIR, **login(sim, api_key="not-the-key")), capsys)
    assert out["failed"] and out["msg"].startswith("POST /v2.0/tokens: 401 ")
    assert out["failure"]["status"] == 401 and "not-the-key" not in json.dumps(out)


@pytest.mark.parametrize("args, message", [
    ({"auth_token": "abc"}, "missing parameter(s) required by 'auth_token': network_url, compute_url"),
    ({"network_url": "http://127.0.0.1:1/v2.0"}, "parameters are required together: network_url, compute_url"),
    ({}, "no credentials: set username and api_key (or password), credentials, or auth_token with network_url "
         "and compute_url"),
])
def test_connection_rules(sim, capsys, args, message):
    out = run(address_info, dict(args, identity_url=sim.identity_url), capsys)
    assert out["failed"] and out["msg"] == message


def test_missing_requests_is_reported(sim, capsys, monkeypatch):
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    out = run(address_info, login(sim), capsys)
    assert out["failed"] and "Failed to import the required Python library (requests)" in out["msg"]


def test_token_from_auth_skips_identity_and_check_mode_writes_nothing(sim, capsys):
    token = run(auth, login(sim), capsys)["auth"]
    requests.post(sim.url + "/_sim/reset", timeout=10)
    planned = run(address, dict(PAIR, identity_url=sim.identity_url, **token), capsys, check=True)
    assert planned["changed"] and planned["shared_ip"]["id"] is None
    assert set(counters(sim)["by_method"]) == {"GET"}
    done = run(address, dict(PAIR, identity_url=sim.identity_url, **token), capsys)
    assert done["actions"] == planned["actions"]
    assert "POST /v2.0/tokens" not in counters(sim)["by_route"]


def test_binding_absent_of_a_server_that_is_no_member_is_no_change(sim, capsys):
    run(address, dict(PAIR, **login(sim)), capsys)
    requests.post(sim.url + "/_sim/reset", timeout=10)
    out = run(binding, dict(login(sim), name="web", server="node05", state="absent"), capsys)
    assert not out["changed"] and out["actions"] == []
    assert set(counters(sim)["by_method"]) == {"GET", "POST"}   # identity + reads only


def test_runner_reports_done_failed_and_not_done(sim, capsys):
    """A step that fails in a parallel phase: the others of the phase finish, later phases do not start."""
    run(address, dict(PAIR, servers=["node%02d" % n for n in range(1, 11)], associate=False, **login(sim)), capsys)
    cloud = _module.Cloud(_module.Client.from_options(username="demo", api_key="demo-api-key", identity_url=sim.identity_url,
                                                      max_retries=0))
    net = [n for n in cloud.networks() if n["name"] == "cluster-net"][0]
    addr = cloud.ip_addresses(network_id=net["id"], type="shared")[0]
    servers = cloud.servers()
    node05 = [s["id"] for s in servers if s["name"] == "node05"][0]
    requests.post(sim.url + "/_sim/faults", timeout=10, json={"fail_next": [
        {"method": "PUT", "path_regex": "/servers/%s/ip_associations/" % node05, "status": 503, "times": 5}]})
    holders = dict((p["id"], p["device_id"]) for p in cloud.ports(ids=addr["port_ids"]))
    state = _resolve.view(addr, servers, holders)
    members = dict((m["id"], m["port_id"]) for m in state["members"])
    steps = _plan.plan_present(state, members, servers, associate_ids=set(members))
    steps.append({"action": "delete", "id": addr["id"], "address": addr["address"]})
    with pytest.raises(_module.StepsFailed) as err:
        _module.Runner(cloud, pool_size=3).run(state, steps)
    assert [_steps.describe(s) for s, _e in err.value.failed] == ["associate node05"]
    assert len(err.value.done) == 9 and [s["action"] for s in err.value.not_done] == ["delete"]
    assert "Not done: delete 192.168.100.100. Run again to converge." in str(err.value)
    records = dict((s["id"], _resolve.has_record(s, addr["id"])) for s in cloud.servers())
    assert not records[node05] and sorted(records.values()).count(True) == 9
    assert [m["associated"] for m in err.value.state["members"]].count(True) == 9
