"""Many threads writing at once: every write is atomic and the rules still hold."""
import collections
import ipaddress
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.testbed.fakecloud.helpers import CLUSTER_NET, port_id, server_id

THREADS = 16


def _post(api, url, body=None, method="POST"):
    r = requests.request(method, url, json=body, headers={"X-Auth-Token": api.token}, timeout=20)
    return r.status_code


def test_parallel_allocations_never_collide_nor_overfill_ports(api):
    nodes = ["node%02d" % n for n in range(1, 11)]
    pairs = [(nodes[i], nodes[(i + k) % 10]) for k in (1, 2, 3, 4) for i in range(10)]   # 40 requests
    url = api.sim.url + "/network/DFW/v2.0/ip_addresses"
    bodies = [{"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                              "port_ids": [port_id(a, "cluster-net"), port_id(b, "cluster-net")]}} for a, b in pairs]
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda body: _post(api, url, body), bodies))
    assert set(statuses) <= {201, 409}
    shared = api.net("GET", "/ip_addresses", type="shared").json()["ip_addresses"]
    assert len(shared) == statuses.count(201) > 0
    addresses = [ipaddress.ip_address(ip["address"]) for ip in shared]
    assert len(set(addresses)) == len(addresses)
    assert sorted(addresses) == [ipaddress.ip_address("192.168.100.100") + n for n in range(len(addresses))]
    per_port = collections.Counter(pid for ip in shared for pid in ip["port_ids"])
    assert max(per_port.values()) <= 3            # 5 a port, 2 of them fixed
    # every 409 was a port at its limit: one of its two ports is full
    for body, status in zip(bodies, statuses):
        if status == 409:
            assert max(per_port[p] for p in body["ip_address"]["port_ids"]) == 3


def test_parallel_associations_of_one_server_succeed_once(api):
    ports = [port_id(n, "cluster-net") for n in ("node01", "node02")]
    ip = api.net("POST", "/ip_addresses", {"ip_address": {"network_id": CLUSTER_NET, "version": 4,
                                                          "port_ids": ports}}).json()["ip_address"]
    url = "%s/compute/DFW/v2/123456/servers/%s/ip_associations/%s" % (api.sim.url, server_id("node01"), ip["id"])
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda _: _post(api, url, method="PUT"), range(40)))
    assert statuses.count(201) == 1 and statuses.count(400) == 39
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda _: _post(api, url, method="DELETE"), range(40)))
    assert statuses.count(204) == 1 and statuses.count(404) == 39


def test_parallel_metadata_writes_all_land(api):
    base = "%s/compute/DFW/v2/123456/servers/%s/metadata/" % (api.sim.url, server_id("node03"))
    keys = ["k%02d" % n for n in range(48)]
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = list(pool.map(lambda k: _post(api, base + k, {"meta": {k: "v-" + k}}, "PUT"), keys))
    assert statuses == [200] * len(keys)
    assert api.comp("GET", "/servers/%s/metadata" % server_id("node03")).json()["metadata"] == {
        k: "v-" + k for k in keys}
