"""Identity: API key and password, bad credentials, expiry, catalog; token checks on the service endpoints."""
import re
import time

import pytest
import requests

from testbed.fakecloud.client import login_body, request
from tests.testbed.fakecloud.helpers import error, quark_error


def tokens(sim, body):
    return requests.post(sim.identity_url + "/tokens", json=body, timeout=10)


def apikey(user, key):
    return login_body(user, api_key=key)


def password(user, secret):
    return login_body(user, password=secret)


@pytest.mark.parametrize("body,tenant,method", [
    (apikey("demo", "demo-api-key"), "123456", "APIKEY"),
    (password("demo", "demo-password"), "123456", "PASSWORD"),
    (apikey("other", "other-api-key"), "654321", "APIKEY"),
])
def test_login(api, body, tenant, method):
    r = tokens(api.sim, body)
    assert r.status_code == 200
    access = r.json()["access"]
    assert access["token"]["tenant"]["id"] == tenant and access["token"]["RAX-AUTH:authenticatedBy"] == [method]
    assert access["token"]["expires"].endswith("Z") and len(access["token"]["id"]) == 32
    assert access["user"]["RAX-AUTH:defaultRegion"] == "DFW"
    assert access["token"]["tenant"]["name"] == {"123456": "demo", "654321": "other"}[tenant]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", access["token"]["expires"])
    assert access["user"]["roles"] and all(role["name"] for role in access["user"]["roles"])
    catalog = {s["name"]: s for s in access["serviceCatalog"]}
    assert catalog["cloudNetworks"]["type"] == "network" and catalog["cloudServersOpenStack"]["type"] == "compute"
    urls = {(e["region"], s["type"]): e["publicURL"] for s in (catalog["cloudNetworks"], catalog["cloudServersOpenStack"])
            for e in s["endpoints"]}
    assert urls[("DFW", "network")] == api.sim.url + "/network/DFW/v2.0"
    assert urls[("ORD", "compute")] == api.sim.url + "/compute/ORD/v2/" + tenant


def test_catalog_lists_first_generation_servers_first(api):
    """Older accounts' catalogs: cloudServers (compute, versionId 1.0, no region) before the real one."""
    services = tokens(api.sim, apikey("demo", "demo-api-key")).json()["access"]["serviceCatalog"]
    first = services[0]
    assert (first["name"], first["type"]) == ("cloudServers", "compute")
    assert len(first["endpoints"]) == 1 and "region" not in first["endpoints"][0]
    assert first["endpoints"][0]["versionId"] == "1.0"
    assert first["endpoints"][0]["publicURL"].endswith("/v1.0/123456")
    assert [s["name"] for s in services if s["type"] == "compute"] == ["cloudServers", "cloudServersOpenStack"]
    # the first-generation endpoint is not a compute API of this simulator
    r = requests.get(first["endpoints"][0]["publicURL"] + "/servers", headers={"X-Auth-Token": api.token}, timeout=10)
    assert r.status_code == 404


@pytest.mark.parametrize("body", [
    apikey("demo", "wrong"), apikey("nobody", "demo-api-key"), password("demo", "demo-api-key"),
    password("demo", "wrong"), apikey("demo", "demo-password"),
])
def test_bad_credentials(api, body):
    r = tokens(api.sim, body)
    assert r.status_code == 401
    assert error(r, "unauthorized")["code"] == 401 and "invalid" in error(r, "unauthorized")["message"]


@pytest.mark.parametrize("body", [{}, {"auth": {}}, {"auth": {"passwordCredentials": {"username": "demo"}}}, [1]])
def test_malformed_login(api, body):
    r = tokens(api.sim, body)
    assert r.status_code == 400 and error(r, "badRequest")["code"] == 400


@pytest.mark.parametrize("token,text", [(None, "No X-Auth-Token"), ("0" * 32, "not valid")])
def test_services_need_a_valid_token(api, token, text):
    for url in (api.sim.url + "/network/DFW/v2.0/ports", api.sim.url + "/compute/DFW/v2/123456/servers/detail"):
        r = requests.get(url, headers={"X-Auth-Token": token} if token else {}, timeout=10)
        assert r.status_code == 401 and text in error(r, "unauthorized")["message"]


def test_token_expires_after_its_ttl(api):
    requests.post(api.sim.url + "/_sim/faults", json={"token_ttl": 0.3}, timeout=10)
    token = api.login()
    assert api.net("GET", "/networks", token=token).status_code == 200
    time.sleep(0.4)
    r = api.net("GET", "/networks", token=token)
    assert r.status_code == 401 and "expired" in error(r, "unauthorized")["message"]
    assert api.net("GET", "/networks", token=api.login()).status_code == 200


def test_expire_tokens_now(api):
    assert api.net("GET", "/networks").status_code == 200
    requests.post(api.sim.url + "/_sim/expire-tokens", timeout=10)
    assert api.net("GET", "/networks").status_code == 401
    assert api.comp("GET", "/servers/detail").status_code == 401


def test_token_of_one_tenant_in_another_tenants_url(api, other):
    r = api.call("GET", api.sim.url + "/compute/DFW/v2/654321/servers/detail")
    assert r.status_code == 401 and error(r, "unauthorized")


def test_unknown_region_and_routes(api):
    r = api.call("GET", api.sim.url + "/network/XYZ/v2.0/ports")
    assert r.status_code == 404 and error(r)["type"] == "NotFound"
    r = api.net("GET", "/nothing-here")
    assert r.status_code == 404 and error(r)["type"] == "NotFound"
    r = api.net("PATCH", "/networks")
    assert r.status_code == 405 and error(r)["type"] == "HTTPMethodNotAllowed"
    r = api.net("PATCH", "/ip_addresses")
    assert r.status_code == 405 and quark_error(r, 405)
    r = api.comp("POST", "/servers/detail")
    assert r.status_code == 405 and error(r, "badMethod")["code"] == 405


def test_malformed_json_body(api):
    r = request("POST", api.sim.url + "/network/DFW/v2.0/ip_addresses", data=b"{not json", token=api.token)
    assert r.status_code == 400 and "not JSON" in quark_error(r, 400)["message"]


def test_ord_region_is_empty_but_has_the_well_known_networks(api):
    api.region = "ORD"
    names = sorted(n["name"] for n in api.net("GET", "/networks").json()["networks"])
    assert names == ["PublicNet", "ServiceNet"]
    assert api.net("GET", "/ports").json() == {"ports": []}
    assert api.comp("GET", "/servers/detail").json() == {"servers": []}
