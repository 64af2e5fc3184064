"""What the client is given: options checked before any request, credentials files, the catalog.

Bad options fail with ConfigError "option=value: reason" and leave the simulator's counters at
zero; a wrong identity URL that does answer (404) says which URL it tried."""

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    COMPUTE,
    NETWORK,
    Access,
    ApiError,
    AuthError,
    Client,
    ConfigError,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy
from ansible_collections.failover.shared_ip.testbed.fakecloud.client import login_body
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.test_client_support import (  # noqa: F401  # pylint: disable=unused-import
    API_KEY,
    PASSWORD,
    assert_no_secret,
    client_for,
    cloud_sim,
    sim,
    sleeps,
    texts_of,
)


def requests_made(sim):
    return sum(sim.counters()["by_method"].values())


@pytest.mark.parametrize("options, message", [
    ({"timeout": 0}, "timeout=0: must be a positive number of seconds"),
    ({"timeout": -5}, "timeout=-5: must be a positive number of seconds"),
    ({"timeout": None}, "timeout=None: must be a positive number of seconds"),
    ({"timeout": "30"}, "timeout=30: must be a positive number of seconds"),
    ({"max_retries": -1}, "max_retries=-1: must be a whole number of at least 0"),
    ({"max_retries": 1.5}, "max_retries=1.5: must be a whole number of at least 0"),
    ({"max_retry_time": -1}, "max_retry_time=-1: must be a number of at least 0"),
    ({"identity_url": "identity.api.rackspacecloud.com/v2.0"},
     "identity_url=identity.api.rackspacecloud.com/v2.0: needs a scheme and a host"),
    ({"identity_url": "localhost:5000/v2.0"}, "identity_url=localhost:5000/v2.0: needs a scheme and a host"),
    ({"identity_url": "ftp://identity.example.com/v2.0"}, "identity_url=ftp://identity.example.com/v2.0: needs a scheme"),
    ({"identity_url": "https:///v2.0"}, "identity_url=https:///v2.0: names no host"),
    ({"identity_url": "https://identity:50x0/v2.0"}, "identity_url=https://identity:50x0/v2.0: not a URL"),
    ({"network_url": "dfw.networks.api.rackspacecloud.com/v2.0"},
     "network_url=dfw.networks.api.rackspacecloud.com/v2.0: needs a scheme and a host"),
    ({"compute_url": "//dfw.servers/v2/{tenant_id}"}, "compute_url=//dfw.servers/v2/{tenant_id}: needs a scheme"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path=/nonexistent/ca.pem: no such file or directory"),
])
def test_bad_options_are_refused_by_name_before_any_request(sim, client_for, options, message):
    sim.call("POST", "/_sim/reset")
    with pytest.raises(ConfigError) as info:
        client_for(**options)
    err = info.value
    assert str(err).startswith(message)
    assert err.kind == "config" and err.call is None and err.status is None
    assert err.failure()["message"] == str(err)
    assert requests_made(sim) == 0
    assert_no_secret(*texts_of(err))


@pytest.mark.parametrize("attempts, message", [
    (0, "attempts=0: must be a whole number of at least 1"),
    (-3, "attempts=-3: must be a whole number of at least 1"),
    (None, "attempts=None: must be a whole number of at least 1"),
])
def test_a_round_count_below_one_is_refused_by_its_option_name(attempts, message):
    with pytest.raises(ConfigError) as info:
        RetryPolicy.for_attempts(attempts)
    assert str(info.value) == message
    assert (info.value.option, info.value.value) == ("attempts", attempts)


def test_a_good_timeout_may_be_a_fraction(sim, client_for):
    client = client_for(timeout=2.5)
    assert client.authenticate().timeout == 2.5


def test_identity_404_names_the_url_it_tried(sim, client_for):
    wrong = sim.url + "/identity/v3"
    with pytest.raises(AuthError) as info:
        client_for(identity_url=wrong).authenticate()
    err = info.value
    assert err.status == 404 and err.kind == "not_found"
    assert "no identity service answers at %s/tokens: check identity_url" % wrong in str(err)
    assert requests_made(sim) == 1  # a 404 is an answer: not repeated
    assert_no_secret(*texts_of(err))


def test_identity_url_without_a_version_gets_a_hint(sim, client_for):
    with pytest.raises(AuthError) as info:
        client_for(identity_url=sim.url).authenticate()
    assert "(it usually ends in /v2.0)" in str(info.value)


def test_a_ready_token_needs_no_identity_url_check(sim, client_for):
    client = client_for(auth_token=sim.token(), tenant_id="123456", identity_url="not a url",
                        network_url=sim.url + "/network/DFW/v2.0", compute_url=sim.url + "/compute/DFW/v2/123456")
    assert client.get("network", "/networks")[0] == 200


# -- credentials files ----------------------------------------------------------------------------

def test_a_pyrax_file_with_a_password_logs_in_with_the_password(sim, client_for, tmp_path):
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\npassword = %s\n" % PASSWORD)
    creds.chmod(0o600)
    client = client_for(credentials=str(creds)).authenticate()
    assert client.tenant_id == "123456" and client.region == "DFW"  # the file holds no key: the password did it


def test_a_file_with_both_uses_the_key_and_a_bad_password_does_not_matter(sim, client_for, tmp_path):
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\napi_key = %s\npassword = wrong-one\n" % API_KEY)
    assert client_for(credentials=str(creds)).authenticate().token


def test_a_file_with_a_wrong_password_fails_without_showing_it(sim, client_for, tmp_path):
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\npassword = hush-hush\n")
    with pytest.raises(AuthError) as info:
        client_for(credentials=str(creds)).authenticate()
    assert info.value.status == 401
    assert_no_secret(*texts_of(info.value))


def test_an_explicit_password_wins_over_the_files_key(sim, client_for, tmp_path):
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\napi_key = hush-hush\n")
    assert client_for(credentials=str(creds), password=PASSWORD).authenticate().token


# -- the catalog ----------------------------------------------------------------------------------

def test_the_simulators_catalog_lists_first_generation_servers_first_and_login_skips_them(sim, client_for):
    body = sim.call("POST", "/v2.0/tokens", login_body("demo", api_key=API_KEY))
    first = body["access"]["serviceCatalog"][0]
    assert (first["name"], first["type"], first["endpoints"][0]["versionId"]) == ("cloudServers", "compute", "1.0")
    client = client_for().authenticate()
    assert client.compute_url == sim.url + "/compute/DFW/v2/123456"
    assert client.get("compute", "/servers/detail")[0] == 200


def catalog(*entries):
    return Access({"access": {"token": {"id": "t", "tenant": {"id": "9"}}, "serviceCatalog": list(entries)}})


FIRST_GEN = {"name": "cloudServers", "type": "compute",
             "endpoints": [{"publicURL": "https://servers.api.rackspacecloud.com/v1.0/9", "versionId": "1.0"}]}
FIRST_GEN_BY_URL = {"name": "legacy", "type": "compute",
                    "endpoints": [{"region": "DFW", "publicURL": "https://servers.example/v1.0/9"}]}
NOVA = {"name": "cloudServersOpenStack", "type": "compute",
        "endpoints": [{"region": "DFW", "publicURL": "https://dfw.servers/v2/9"},
                      {"region": "ord", "publicURL": "https://ord.servers/v2/9"}]}
NOVA_RENAMED = {"name": "computeService", "type": "compute",
                "endpoints": [{"region": "IAD", "publicURL": "https://iad.servers/v2/9", "versionId": "2"}]}
NEUTRON = {"name": "cloudNetworks", "type": "network",
           "endpoints": [{"region": "DFW", "publicURL": "https://dfw.networks/v2.0"}]}


def test_exact_name_first_then_a_matching_type_never_first_generation():
    access = catalog(FIRST_GEN, FIRST_GEN_BY_URL, NOVA_RENAMED, NOVA, NEUTRON)
    assert access.endpoint(COMPUTE, "dfw") == "https://dfw.servers/v2/9"
    assert access.endpoint(COMPUTE, "ORD") == "https://ord.servers/v2/9"  # the catalog's case does not matter
    assert access.endpoint(COMPUTE, "IAD") == "https://iad.servers/v2/9"  # by type, another name
    assert access.regions(COMPUTE) == ["DFW", "IAD", "ORD"]
    alone = catalog(FIRST_GEN, FIRST_GEN_BY_URL, NEUTRON)
    assert alone.endpoint(COMPUTE, "DFW") is None
    assert alone.endpoint(NETWORK, "DFW") == "https://dfw.networks/v2.0"


def test_no_usable_endpoint_names_the_region_and_the_services_seen(sim, client_for):
    with pytest.raises(AuthError) as info:
        client_for(region="syd").authenticate()
    text = str(info.value)
    assert "no usable cloudNetworks (network) endpoint in region SYD" in text
    assert "(the network service is in DFW, ORD)" in text
    assert "cloudServers (compute: first generation)" in text
    assert "cloudServersOpenStack (compute: DFW, ORD)" in text
    assert info.value.kind == "config"  # the fix is an option (region), not a retry


def test_services_summary_of_a_catalog():
    assert catalog(FIRST_GEN, NEUTRON).services() == "cloudServers (compute: first generation); " \
                                                     "cloudNetworks (network: DFW)"
    assert catalog().services() == "none"


def test_from_options_leaves_the_network_alone_and_init_only_stores(sim):
    sim.call("POST", "/_sim/reset")
    client = Client.from_options(username="demo", api_key=API_KEY, identity_url=sim.identity_url)
    assert requests_made(sim) == 0
    assert client.token is None and client.network_url is None
    assert client.credentials.api_key == API_KEY
    assert API_KEY not in repr(client) + repr(client.credentials)
    client.get("network", "/networks")  # the first call logs in
    assert sim.count("POST", "/v2.0/tokens") == 1


def test_an_unreachable_identity_is_an_api_error_not_a_crash(sleeps):
    client = Client.from_options(username="demo", api_key=API_KEY, identity_url="http://127.0.0.1:1/v2.0",
                                 sleep=sleeps)
    with pytest.raises(ApiError) as info:
        client.authenticate()
    assert info.value.kind == "unreachable"
    assert "http://127.0.0.1:1/v2.0/tokens" in str(info.value)
