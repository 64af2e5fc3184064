"""Faults during a converge of several shared IPs: the play succeeds or fails clearly, a second run
converges, and no address is ever created twice."""
from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils import _retry

PAIRS = {"a": ["node01", "node02"], "b": ["node03", "node04"], "c": ["node05", "node06"],
         "d": ["node07", "node08", "node09"]}
ITEMS = [{"network": "cluster-net", "name": n, "servers": s} for n, s in PAIRS.items()]
CREATE = r"/ip_addresses$"
ASSOCIATE = r"/ip_associations/[^/]+$"
METADATA = r"/metadata/"


@pytest.fixture(autouse=True)
def brief_backoff(monkeypatch):
    """In-process runs wait a tenth of each delay the retry policy chooses: the delays are chosen, counted
    and budgeted as ever (tests/unit/plugins/module_utils/test_retry.py), only the wall clock is spared.
    The ansible-playbook twin (make test) runs in processes of its own and waits them whole."""
    monkeypatch.setattr(_retry, "time", SimpleNamespace(sleep=lambda seconds: time.sleep(seconds / 10),
                                                        monotonic=time.monotonic))


def converge(play, cloud):
    out = play("address.yml", use_auth=True, shared_ips=ITEMS)
    return out["results"]


def assert_converged(cloud):
    made = cloud.addresses()
    assert len(made) == len(PAIRS), "duplicate or missing addresses: %s" % made
    for name, servers in PAIRS.items():
        labels = cloud.labels(name)
        assert sorted(labels) == servers
        (ip_id,) = set(labels.values())
        assert cloud.members(ip_id) == dict((s, "compute") for s in servers)


def assert_clear(results):
    """Each item either succeeded or failed with a message naming the call and what was (not) done."""
    for r in results:
        if r.get("failed"):
            assert r["failure"]["call"] and r["failure"]["status"] in (None, 413, 429, 500, 502, 503, 504)
            assert r["msg"].startswith(r["failure"]["call"])
            assert "Traceback" not in r["msg"]


def deletes_and_creates(cloud):
    log = cloud.sim("GET", "log")
    creates = [e for e in log if e["method"] == "POST" and e["path"].endswith("/ip_addresses")]
    deletes = [e for e in log if e["method"] == "DELETE" and "/ip_addresses/" in e["path"]]
    return creates, deletes


def test_targeted_faults(play, cloud):
    cloud.faults(
        fail_next=[{"method": "POST", "path_regex": CREATE, "status": 503, "times": 1},
                   {"method": "PUT", "path_regex": ASSOCIATE, "status": 413, "retry_after": 1, "times": 3},
                   {"method": "PUT", "path_regex": METADATA, "status": 503, "times": 2}],
        drop_next=[{"method": "POST", "path_regex": CREATE, "times": 2},
                   {"method": "PUT", "path_regex": ASSOCIATE, "times": 2}])
    first = converge(play, cloud)
    cloud.sim("DELETE", "faults")   # before this test's own plain HTTP looks
    assert_clear(first)
    injected = set((e["route"].split(" ")[0], e["status"]) for e in cloud.sim("GET", "log") if e["fault"] == "error")
    dropped = [e["route"] for e in cloud.sim("GET", "log") if e["fault"] == "drop_after"]
    assert {("POST", 503), ("PUT", 413)} <= injected      # the faults did happen
    assert dropped.count("POST /network/{region}/v2.0/ip_addresses") == 2
    assert len(cloud.addresses()) == len(PAIRS)          # no duplicate even while faults were on
    second = converge(play, cloud)
    assert not any(r.get("failed") for r in second), [r.get("msg") for r in second]
    assert_converged(cloud)
    creates, deletes = deletes_and_creates(cloud)
    assert deletes == []
    third = converge(play, cloud)
    assert not any(r["changed"] for r in third)


@pytest.mark.parametrize("seed_round", [1, 2])
def test_random_faults(play, cloud, seed_round):
    cloud.faults(error_rate=0.15, error_status=503, drop_after_write_rate=0.15)
    first = converge(play, cloud)
    cloud.sim("DELETE", "faults")   # before this test's own plain HTTP looks
    assert_clear(first)
    assert len(cloud.addresses()) <= len(PAIRS)
    for _attempt in range(2):
        again = converge(play, cloud)
        if not any(r.get("failed") for r in again):
            break
    assert not any(r.get("failed") for r in again), [r.get("msg") for r in again]
    assert_converged(cloud)
    assert deletes_and_creates(cloud)[1] == []


def test_failure_half_way_says_what_was_done(play, cloud):
    servers = cloud.servers()
    node02 = servers["node02"]["id"]
    cloud.faults(fail_next=[{"method": "PUT", "path_regex": "/servers/%s/ip_associations/" % node02,
                             "status": 503, "times": 50}])
    item = {"network": "cluster-net", "name": "web", "servers": ["node01", "node02", "node03"]}
    out = play("address.yml", shared_ips=[item])
    result = out["results"][0]
    assert result["failed"]
    assert result["msg"].startswith("PUT /v2/123456/servers/%s/ip_associations/" % node02)
    assert "503" in result["msg"] and "(while trying to associate node02)" in result["msg"]
    assert "Done: create web (IPv4, address picked by the cloud) on cluster-net" in result["msg"]
    assert "associate node01; associate node03" in result["msg"]
    assert result["msg"].endswith("Run again to converge.")
    assert result["not_done"] == ["associate node02"]
    assert result["failure"]["status"] == 503
    ip_id = result["shared_ip"]["id"]
    assert cloud.members(ip_id) == {"node01": "compute", "node02": "none", "node03": "compute"}
    cloud.sim("DELETE", "faults")
    cloud.reset_counters()
    out = play("address.yml", shared_ips=[item])
    assert out["results"][0]["actions"] == ["associate node02"]
    assert cloud.members(ip_id) == {"node01": "compute", "node02": "compute", "node03": "compute"}
    assert len(cloud.addresses()) == 1
