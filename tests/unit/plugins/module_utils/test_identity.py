# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_identity: credentials files, the catalog and its endpoints, and logging in with them."""

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    Access,
    AuthError,
    COMPUTE,
    ConfigError,
    NETWORK,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._identity import credentials_from_file
from ansible_collections.failover.shared_ip.testbed.fakecloud.client import login_body
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.client_support import (
    API_KEY,
    PASSWORD,
    assert_no_secret,
    texts_of,
)


def test_credentials_file_is_read(tmp_path):
    path = tmp_path / "creds"
    path.write_text("[rackspace_cloud]\nusername = demo\napi_key = k3y\nregion = ord\n")
    assert credentials_from_file(str(path)) == {"username": "demo", "api_key": "k3y", "password": None, "region": "ord"}
    path.write_text("[rackspace_cloud]\nusername = demo\napi_key = k3y\n")
    assert credentials_from_file(str(path))["region"] is None


def test_credentials_file_with_a_password_as_pyrax_allows(tmp_path):
    path = tmp_path / "creds"
    path.write_text("[rackspace_cloud]\nusername = demo\npassword = pa55\n")
    assert credentials_from_file(str(path)) == {"username": "demo", "api_key": None, "password": "pa55", "region": None}
    path.write_text("[rackspace_cloud]\nusername = demo\npassword = pa55\napi_key = k3y\n")
    assert credentials_from_file(str(path))["api_key"] == "k3y"  # the key wins, as in pyrax
    assert credentials_from_file(str(path))["password"] is None


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist"),
        ("username = demo\n", "is not an INI file"),
        ("[other]\nusername = demo\n", "has no [rackspace_cloud] section"),
        ("[rackspace_cloud]\nusername = demo\n", "lacks api_key or password"),
        ("[rackspace_cloud]\nusername = demo\napi_key =\npassword = \n", "lacks api_key or password"),
        ("[rackspace_cloud]\napi_key = hush-hush\n", "lacks username"),
    ],
)
def test_bad_credentials_files_are_named(tmp_path, content, message):
    path = tmp_path / "creds"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError) as info:
        credentials_from_file(str(path))
    assert message in str(info.value)
    assert str(info.value).startswith("credentials=%s: " % path)
    assert "hush-hush" not in str(info.value) + repr(info.value)


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
