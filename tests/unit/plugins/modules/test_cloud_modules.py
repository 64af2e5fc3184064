# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud modules in-process against the real simulator: connection options, errors, check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import requests

from ansible_collections.failover.shared_ip.plugins.module_utils import _module, _plan, _resolve, _steps
from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, auth, binding, cluster
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


# -- the decide step's refusals: before any write, naming option and value -------------------------

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


@pytest.mark.parametrize("args, message", [
    (dict(PAIR, servers=[]), "servers=[]: a shared IP needs at least two members, got 0"),
    (dict(PAIR, servers=["node01"]), "servers=[node01]: a shared IP needs at least two members, got 1"),
    (dict(PAIR, network="private"), "network=private: ServiceNet carries no shared IPs"),
    (dict(PAIR, network="servicenet"), "network=servicenet: ServiceNet carries no shared IPs"),
    (dict(PAIR, address="192.168.100.0"), "address=192.168.100.0: is the network address of subnet"),
    (dict(PAIR, address="192.168.100.255"), "address=192.168.100.255: is the broadcast address of subnet"),
    (dict(PAIR, address="192.168.100.11"), "address=192.168.100.11: is the fixed address of port"),
    (dict(PAIR, address="not-an-ip"), "address=not-an-ip: not an IPv4 or IPv6 address"),
    (dict(PAIR, servers=["node1", "node02"]), "servers=node1: no such server"),
    (dict(PAIR, timeout=0), "timeout=0: must be a positive number of seconds"),
    (dict(PAIR, network="public", servers=["node09", "node10"]),
     "servers=[node09, node10]: PublicNet members must share one public IP zone"),
])
def test_address_refusals(sim, capsys, args, message):
    refused(sim, capsys, address, args, message)


def test_identity_refusals_name_both_sides(sim, capsys):
    web = run(address, dict(PAIR, **login(sim)), capsys)["shared_ip"]
    db = run(address, dict(PAIR, name="db", address="192.168.100.150", **login(sim)), capsys)["shared_ip"]
    out = refused(sim, capsys, address, dict(PAIR, name="db", address=web["address"]), "name=db: points at shared IP")
    assert web["id"] in out["msg"] and db["id"] in out["msg"] and web["address"] in out["msg"]
    out = refused(sim, capsys, address, dict(PAIR, address="192.168.100.160"), "address=192.168.100.160: shared IP")
    assert "an address never changes" in out["msg"] and web["id"] in out["msg"]
    refused(sim, capsys, address, dict(PAIR, name="other", address=web["address"]),
            "name=other: address=%s points at shared IP %s" % (web["address"], web["id"]))


def test_binding_refusals(sim, capsys):
    run(address, dict(PAIR, network="public", **login(sim)), capsys)
    refused(sim, capsys, binding, dict(name="web", server="node10"),
            "server=[node01, node02, node10]: PublicNet members must share one public IP zone")
    refused(sim, capsys, binding, dict(name="web", server="node03", attempts=0), "attempts=0")
    refused(sim, capsys, binding, dict(name="nothing", server="node03"), "name=nothing: no such shared IP")


def test_port_at_its_limit_is_refused_before_any_write(sim, capsys):
    for n in range(3):
        out = run(address, dict(PAIR, name="a%d" % n, **login(sim)), capsys)
        assert out.get("changed"), out.get("msg")
    # node01's port: its own two fixed addresses (v4, v6) and three shared ones: no room for a fourth
    out = refused(sim, capsys, address, dict(PAIR, name="a3"), "servers=node01: port ")
    assert "already holds 5 addresses" in out["msg"] and "192.168.100.11, fd00:100::11" in out["msg"]
    out = refused(sim, capsys, cluster, {"network": "cluster-net", "servers": ["node03", "node04"],
                                         "addresses": [{"name": "x%d" % n} for n in range(4)]},
                  "addresses[0].servers=node03: port ")
    assert "already holds 2 addresses (192.168.100.13, fd00:100::13); 4 more asked for" in out["msg"]
    run(address, dict(PAIR, name="c", servers=["node03", "node04"], **login(sim)), capsys)
    refused(sim, capsys, binding, dict(name="c", server="node01"), "server=node01: port ")


# -- cluster ----------------------------------------------------------------------------------------

CLUSTER = {"network": "cluster-net", "servers": ["node01", "node02", "node03"],
           "addresses": [{"name": "web", "preferred": ["node02", "node01"]},
                         {"name": "api", "address": "192.168.100.150"},
                         {"name": "web6", "version": 6, "servers": ["node01", "node02"]}]}


def test_cluster_check_real_repeat(sim, capsys):
    requests.post(sim.url + "/_sim/reset", timeout=10)
    planned = run(cluster, dict(CLUSTER, **login(sim)), capsys, check=True)
    assert planned["changed"] and writes(sim) == 0
    done = run(cluster, dict(CLUSTER, **login(sim)), capsys)
    assert done["changed"] and done["actions"] == planned["actions"]
    assert done["keepalived_vip_addresses"] == [
        {"name": "web", "address": "192.168.100.100/24", "preferred": ["node02", "node01"]},
        {"name": "api", "address": "192.168.100.150/24"},
        {"name": "web6", "address": "fd00:100::100/64"}]
    associated = [[m["associated"] for m in ip["members"]] for ip in done["shared_ips"]]
    assert associated == [[True] * 3, [True] * 3, [True] * 2]
    requests.post(sim.url + "/_sim/reset", timeout=10)
    again = run(cluster, dict(CLUSTER, **login(sim)), capsys)
    assert not again["changed"] and again["actions"] == [] and writes(sim) == 0
    assert again["keepalived_vip_addresses"] == done["keepalived_vip_addresses"]


def test_cluster_grow_shrink_exclusive(sim, capsys):
    run(cluster, dict(CLUSTER, **login(sim)), capsys)
    grown = run(cluster, dict(CLUSTER, servers=["node01", "node02", "node03", "node04"], **login(sim)), capsys)
    assert "web: associate node04" in grown["actions"] and "api: associate node04" in grown["actions"]
    assert not [a for a in grown["actions"] if a.startswith("web6:")]
    shrunk = run(cluster, dict(CLUSTER, servers=["node02", "node03", "node04"],
                               addresses=[{"name": "web"}, {"name": "api"},
                                          {"name": "web6", "servers": ["node02", "node03"]}], **login(sim)), capsys)
    assert shrunk["actions"].index("web: disassociate node01") < shrunk["actions"].index(
        "web: set ports to node02, node03, node04")
    kept = run(cluster, dict(CLUSTER, servers=["node02", "node03", "node04"], exclusive=True,
                             addresses=[{"name": "web"}], **login(sim)), capsys)
    assert kept["deleted"] == ["api", "web6"]
    listed = run(address_info, dict(login(sim), network="cluster-net"), capsys)["shared_ips"]
    assert [ip["name"] for ip in listed] == ["web"]


def test_cluster_refusals(sim, capsys):
    run(address, dict(PAIR, name="db", address="192.168.100.150", **login(sim)), capsys)
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "address": "192.168.100.150"}]),
            "addresses[0].name=web: address=192.168.100.150 points at shared IP")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "servers": ["node09", "node01"]}]),
            "addresses[0].servers=[node09]: not among the cluster's servers")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web"}, {"name": "web"}]),
            "addresses[].name=web: given more than once")
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web", "preferred": ["node09"]}]),
            "addresses[0].preferred=node09: not among this address's servers")


def test_no_op_reads_do_not_grow_with_the_account(capsys, monkeypatch):
    """5,000 unrelated servers (their fixed addresses listed too): a no-op cluster reads what it did with none."""
    for name in ("RAX_USERNAME", "RAX_API_KEY", "RAX_CREDENTIALS", "RAX_CREDS_FILE", "RAX_REGION"):
        monkeypatch.delenv(name, raising=False)
    figures = []
    for extra in (0, 5000):
        big = start(port=0, extra_servers=extra)
        try:
            run(cluster, dict(CLUSTER, **login(big)), capsys)
            requests.post(big.url + "/_sim/reset", timeout=10)
            out = run(cluster, dict(CLUSTER, **login(big)), capsys)
            assert not out["changed"]
            figures.append(counters(big)["by_method"]["GET"])
        finally:
            big.stop()
    assert figures[0] == figures[1]


def test_cluster_asked_address_next_to_one_the_cloud_picks(sim, capsys):
    """192.168.100.100 is what the cloud picks next: the item asking for it is created first."""
    for _round in range(3):
        requests.post(sim.url + "/_sim/reset-state", timeout=10)
        out = run(cluster, dict(login(sim), network="cluster-net", servers=["node01", "node02"],
                                addresses=[{"name": "picked"}, {"name": "asked", "address": "192.168.100.100"}]),
                  capsys)
        assert [a["address"] for a in out["keepalived_vip_addresses"]] == ["192.168.100.101/24", "192.168.100.100/24"]


def test_a_name_belongs_to_one_shared_ip(sim, capsys):
    """Refused before any write, naming both shared IPs: the name's own and the one it would be given to."""
    web = run(address, dict(PAIR, address="192.168.100.100", **login(sim)), capsys)["shared_ip"]
    db = run(address, dict(PAIR, name="db", address="192.168.100.101", servers=["node03", "node04"], **login(sim)),
             capsys)["shared_ip"]
    unnamed = run(address, dict(login(sim), network="cluster-net", address="192.168.100.120",
                                servers=["node07", "node08"]), capsys)["shared_ip"]
    cases = [
        (address, dict(PAIR, id=web["id"], name="db"), [web["id"], db["id"]]),
        (address, dict(PAIR, name="web", address="192.168.100.120", servers=["node07", "node08"]),
         [web["id"], unnamed["id"], "192.168.100.120"]),
        (address, dict(PAIR, name="web", servers=["node05", "node06"]), [web["id"]]),
        (binding, dict(name="web", address="192.168.100.101", server="node09"), [web["id"], db["id"]]),
        (cluster, {"network": "cluster-net", "servers": ["node05", "node06"], "addresses": [{"name": "db"}]},
         [db["id"]]),
    ]
    for module, args, named in cases:
        out = refused(sim, capsys, module, args, "")
        assert out["msg"].split("=", 1)[0].endswith("name"), out["msg"]
        for text in named:
            assert text in out["msg"], (text, out["msg"])


@pytest.mark.parametrize("args, message", [
    ({"servers": ["node01", "node99"]}, "servers=node99: no such server"),
    ({"network": "public", "servers": ["node09", "node10"]}, "servers=[node09, node10]: PublicNet members must"),
    ({"servers": ["node01", "solo"]}, "servers=solo: no such server"),
])
def test_cluster_members_are_refused_as_servers(sim, capsys, args, message):
    refused(sim, capsys, cluster, dict(CLUSTER, addresses=[{"name": "web"}], **args), message)


def test_cluster_passes_the_roles_secret_on_and_masks_it_elsewhere(sim, capsys):
    args = login(sim, network="cluster-net", servers=["node01", "node02"],
                 addresses=[{"name": "web", "address": "192.168.100.150", "auth_pass": "s3cret", "router_id": 9}])
    out = run(cluster, args, capsys)
    assert out["keepalived_vip_addresses"] == [{"name": "web", "address": "192.168.100.150/24", "auth_pass": "s3cret",
                                                "router_id": 9}]
    assert "s3cret" not in json.dumps(out["invocation"]) and "demo-api-key" not in json.dumps(out)
    refused = run(cluster, dict(args, servers=["node01", "node99"]), capsys)
    assert refused["failed"] and "s3cret" not in json.dumps(refused)
