"""failover.shared_ip.address_info and failover.shared_ip.auth, in-process and through ansible-playbook; what
Ansible prints (no_log of the token and the keys) is checked where ansible-playbook runs."""
from __future__ import annotations

import pytest
import requests


@pytest.fixture
def two(play, cloud):
    """Shared IPs web (node01-03, associated) and raw (node04-05, not associated)."""
    out = play("address.yml", shared_ips=[
        {"network": "cluster-net", "name": "web", "servers": ["node01", "node02", "node03"]},
        {"network": "cluster-net", "name": "raw", "servers": ["node04", "node05"], "associate": False}])
    assert not any(r.get("failed") for r in out["results"])
    return cloud.labels("web")["node01"], cloud.labels("raw")["node04"]


QUERIES = [
    ({"network": "cluster-net"}, ["web", "raw"]),
    ({"name": "raw"}, ["raw"]),
    ({"server": "node02"}, ["web"]),
    ({"address": "192.168.100.101"}, ["raw"]),
    ({"network": "public"}, []),
]


def test_address_info_triplet(play, cloud, two):
    outs = []
    for check in (True, False, False):
        cloud.reset_counters()
        outs.append(play("address_info.yml", check=check, queries=[q for q, _e in QUERIES])["results"])
        assert cloud.writes() == {}
    assert all(not r.get("failed") and not r["changed"] for o in outs for r in o)
    assert [r["shared_ips"] for r in outs[0]] == [r["shared_ips"] for r in outs[1]] == \
        [r["shared_ips"] for r in outs[2]]
    ids = dict(zip(("web", "raw"), two))
    for (_query, expected), result in zip(QUERIES, outs[1]):
        listed = dict((s["name"], s) for s in result["shared_ips"])
        assert sorted(listed) == sorted(expected)
        for name, shared_ip in listed.items():
            truth = cloud.address(id=ids[name])
            assert shared_ip["id"] == truth["id"] and shared_ip["address"] == truth["address"]
            assert dict((m["name"], "compute" if m["associated"] else "none") for m in shared_ip["members"]) == \
                cloud.members(truth["id"])
    assert [s["name"] for s in outs[1][0]["shared_ips"]] == ["web", "raw"]   # sorted by address


def test_address_info_refuses_unknown_network(play, cloud):
    out = play("address_info.yml", queries=[{"network": "nowhere"}])["results"][0]
    assert out["failed"] and out["msg"] == "network=nowhere: no such network (known: public, cluster-net, v4-net)"


@pytest.mark.parametrize("check", [True, False])
def test_auth_feeds_the_token_to_later_tasks(playbook, cloud, check):
    cloud.reset_counters()
    out = playbook("auth.yml", check=check)
    auth = out["auth"]
    assert not auth.get("failed") and not auth["changed"]
    assert set(auth["auth"]) == {"auth_token", "tenant_id", "region", "network_url", "compute_url"}
    assert auth["tenant_id"] == "123456" and auth["region"] == "DFW" and auth["expires"]
    assert auth["network_url"] == cloud.network and auth["compute_url"] == cloud.compute
    # The later task had no credentials at all: the token alone, and no second identity call.
    assert not out["listed"].get("failed"), out["listed"].get("msg")
    assert cloud.counters()["by_route"]["POST /v2.0/tokens"] == 1
    # The token is real: plain HTTP with it works.
    resp = requests.get(cloud.network + "/networks", headers={"X-Auth-Token": auth["auth_token"]}, timeout=10)
    assert resp.status_code == 200
    assert auth["auth_token"] not in out["_stdout"] and "demo-api-key" not in out["_stdout"]


def test_auth_with_password(play, cloud):
    out = play("auth.yml", login={"username": "demo", "password": "demo-password"})
    assert out["auth"]["tenant_id"] == "123456" and not out["listed"].get("failed")


@pytest.mark.parametrize("login, message", [
    ({"username": "demo", "api_key": "wrong-key"}, "POST /v2.0/tokens: 401 "),
    ({"username": "demo", "api_key": "demo-api-key", "password": "demo-password"},
     "parameters are mutually exclusive: api_key|password"),
    ({"username": "demo", "api_key": "demo-api-key", "region": "SYD"}, "the catalog has no"),
])
def test_auth_refusals(play, cloud, login, message):
    out = play("auth.yml", login=login)
    assert out["auth"]["failed"] and message in out["auth"]["msg"]
    assert "demo-api-key" not in out["auth"]["msg"]
    assert "wrong-key" not in out.get("_stdout", "")      # what ansible-playbook printed (no_log)
    if "401" in message:
        assert out["auth"]["failure"]["status"] == 401
