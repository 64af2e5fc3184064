"""Pagination at 100 with limit/marker and {collection}_links on networks, ports, ip_addresses, servers."""
import pytest
import requests

from testbed.fakecloud import start
from testbed.fakecloud.fixture import builtin
from tests.testbed.fakecloud.helpers import Api, error

SERVERS = 110


@pytest.fixture(scope="module")
def big():
    fixture = builtin()
    fixture["networks"].append({"name": "big-net", "region": "DFW", "tenant": "123456",
                                "subnets": [{"cidr": "10.20.0.0/16"}]})
    fixture["networks"] += [{"name": "net%03d" % n, "region": "DFW", "tenant": "123456", "subnets": []}
                            for n in range(100)]
    fixture["servers"] += [{"name": "big%03d" % n, "region": "DFW", "tenant": "123456",
                            "ports": [{"network": "big-net"}]} for n in range(SERVERS)]
    with start(fixture=fixture) as sim:
        yield Api(sim)


def walk(api, first_url, collection):
    """Follow next links to the end; returns (items, pages)."""
    items, pages, url = [], 0, first_url
    while url:
        r = api.call("GET", url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body[collection]) <= 100
        items += body[collection]
        pages += 1
        nxt = [link["href"] for link in body.get(collection + "_links", []) if link["rel"] == "next"]
        url = nxt[0] if nxt else None
    return items, pages


@pytest.mark.parametrize("path,collection,total", [
    ("/network/DFW/v2.0/networks", "networks", 104),  # PublicNet, ServiceNet, cluster-net, big-net, 100 more
    ("/network/DFW/v2.0/ports", "ports", 30 + SERVERS),
    ("/network/DFW/v2.0/ip_addresses", "ip_addresses", 50 + SERVERS),
    ("/compute/DFW/v2/123456/servers/detail", "servers", 10 + SERVERS),
])
def test_pages_of_100(big, path, collection, total):
    first = big.call("GET", big.sim.url + path).json()
    assert len(first[collection]) == 100
    items, pages = walk(big, big.sim.url + path, collection)
    assert len(items) == total and len({i["id"] for i in items}) == total and pages == 2


def test_limit_marker_and_filters_are_kept(big):
    url = big.sim.url + "/network/DFW/v2.0/ports?network_id=" + big.net(
        "GET", "/networks", name="big-net").json()["networks"][0]["id"] + "&limit=25"
    first = big.call("GET", url).json()
    assert len(first["ports"]) == 25
    nxt = first["ports_links"][0]["href"]
    assert "network_id=" in nxt and "limit=25" in nxt and "marker=" + first["ports"][-1]["id"] in nxt
    items, pages = walk(big, url, "ports")
    assert len(items) == SERVERS and pages == 5
    second = big.call("GET", nxt).json()
    assert [link["rel"] for link in second["ports_links"]] == ["next", "previous"]


@pytest.mark.parametrize("params,text", [({"limit": "x"}, "integer"), ({"limit": "0"}, "positive"),
                                         ({"marker": "nope"}, "marker")])
def test_bad_paging_parameters(big, params, text):
    r = big.net("GET", "/ports", **params)
    assert r.status_code == 400 and text in error(r)["message"]


def test_limit_above_100_is_capped(big):
    assert len(big.net("GET", "/ports", limit="500").json()["ports"]) == 100


def test_short_list_has_no_links(big):
    body = big.net("GET", "/networks", name="PublicNet").json()
    assert list(body) == ["networks"]
    assert requests.get(big.sim.url + "/_sim/counters", timeout=10).status_code == 200
