"""The one simulator client (testbed/fakecloud/client.py): the process, the control API, login, endpoints, calls."""
import os

import pytest

from testbed.fakecloud import builtin

from testbed.fakecloud.client import (DEMO, OTHER, Control, Session, Simulator, login_body, pick_endpoint, request,
                                      simulator)


def test_login_body_variants():
    assert login_body("u", api_key="k") == {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "u", "apiKey": "k"}}}
    assert login_body("u", password="p") == {"auth": {"passwordCredentials": {"username": "u", "password": "p"}}}
    with pytest.raises(ValueError):
        login_body("u")


def test_pick_endpoint_skips_first_generation_and_takes_the_exact_name_first():
    catalog = [
        {"name": "cloudServers", "type": "compute", "endpoints": [{"publicURL": "v1", "versionId": "1.0"}]},
        {"name": "someCompute", "type": "compute", "endpoints": [{"region": "DFW", "publicURL": "other"}]},
        {"name": "cloudServersOpenStack", "type": "compute", "endpoints": [{"region": "DFW", "publicURL": "v2"}]},
        {"name": "legacy", "type": "network", "endpoints": [{"region": "DFW", "publicURL": "n1",
                                                             "versionId": "1.0"}]},
        {"name": "netByType", "type": "network", "endpoints": [{"region": "DFW", "publicURL": "n2"}]},
    ]
    assert pick_endpoint(catalog, "compute", "DFW") == "v2"
    assert pick_endpoint(catalog, "network", "DFW") == "n2"
    with pytest.raises(LookupError, match="compute endpoint in region ORD"):
        pick_endpoint(catalog, "compute", "ORD")


def test_session_logs_in_by_key_or_password(sim, api):
    by_key = Session(sim.identity_url, "demo", api_key="demo-api-key")
    by_password = Session(sim.identity_url, "demo", password="demo-password", region="ORD")
    assert by_key.tenant == by_password.tenant == "123456" and by_key.region == "DFW"
    assert by_key.network_url == sim.url + "/network/DFW/v2.0"
    assert by_key.compute_url == sim.url + "/compute/DFW/v2/123456"
    assert by_password.compute_url == sim.url + "/compute/ORD/v2/123456"
    assert by_key.access["serviceCatalog"][0]["name"] == "cloudServers"
    with pytest.raises(RuntimeError, match="401"):
        Session(sim.identity_url, "demo", api_key="wrong")


def test_relogin_once_after_expiry(sim, api, control):
    cloud = Session(sim.identity_url, "demo", api_key="demo-api-key", relogin=True)
    plain = Session(sim.identity_url, "demo", api_key="demo-api-key")
    control.expire_tokens()
    assert plain.net("GET", "/networks").status_code == 401
    assert cloud.net("GET", "/networks").status_code == 200


def test_get_all_follows_pages(sim, api):
    cloud = Session(sim.identity_url, "demo", api_key="demo-api-key")
    every = cloud.get_all("network", "/ip_addresses", "ip_addresses", limit=7)
    assert len(every) == 50 and len({ip["id"] for ip in every}) == 50


def test_control_api(sim, api, control):
    assert control.config(internal_view=True) == {"internal_view": True}
    assert control.get_config() == {"internal_view": True}
    assert control.faults(latency_ms=5)["latency_ms"] == 5
    assert control.get_faults()["latency_ms"] == 5
    assert control.clear_faults()["latency_ms"] == 0
    api.share(["node01", "node02"])
    assert control.writes() == {"POST /network/{region}/v2.0/ip_addresses": 1}
    assert control.reads() == {}
    assert [entry["route"] for entry in control.log()][-1] == "POST /network/{region}/v2.0/ip_addresses"
    assert control.state()["config"] == {"internal_view": True}
    control.reset_all()
    assert control.counters()["total"] == 0 and control.state()["regions"]["DFW"]["ip_addresses"][0]["type"] == "fixed"
    assert control.call("POST", "config", {"nonsense": 1}).status_code == 400
    with pytest.raises(RuntimeError, match="unknown setting"):
        control.config(nonsense=1)


def test_dropped_connection_is_a_connection_error(sim, api, control):
    control.faults(drop_next=[{"method": "GET", "path_regex": "/networks$", "when": "before"}])
    with pytest.raises(ConnectionError, match="no answer"):
        api.net("GET", "/networks")
    with pytest.raises(ConnectionError):
        request("GET", "http://127.0.0.1:9/nothing", timeout=2)


def test_subprocess_with_options(tmp_path):
    log = tmp_path / "fakecloud.log"
    with simulator(log_path=str(log), internal_view=True, extra_servers=2, latency_ms=1, verbose=True) as sim:
        assert sim.url.startswith("http://127.0.0.1:") and sim.start_seconds > 0
        assert sim.get_config() == {"internal_view": True}
        other = sim.session(OTHER)
        assert other.tenant == "654321"
        names = [s["name"] for s in sim.session().get("compute", "/servers")["servers"]]
        assert len(names) == 12 and "bulk-00002" in names
        assert sim.get_faults()["latency_ms"] == 1
        proc = sim.proc
    assert proc.poll() is not None                       # stopped on the way out
    assert "GET /compute/DFW/v2/123456/servers" in log.read_text()   # --verbose went to the log


def test_subprocess_with_a_fixture_as_data():
    data = builtin()
    data["servers"] = data["servers"][:2]
    with Simulator(fixture=data) as sim:
        assert sorted(s["name"] for s in sim.session().get("compute", "/servers")["servers"]) == ["node01", "node02"]
        name = sim.fixture_path
        assert name.endswith(".json") and os.path.exists(name)
    assert not os.path.exists(name)                      # the temporary file went with the simulator


def test_subprocess_start_failure_says_why(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"regions": ["DFW"]}')
    with pytest.raises(RuntimeError, match="needs `tenants`"):
        Simulator(fixture=str(bad))


def test_control_works_on_an_in_process_simulator(sim, api):
    assert Control(sim.url).session(DEMO).tenant == "123456"
