# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API client (_client): options checked before any request, identity, regions, re-authentication,
retries, pages, errors, and what it puts on the wire, against the real simulator or a recording server."""

import contextlib
import http.server
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    ApiError,
    AuthError,
    Client,
    ConfigError,
    UncertainWrite,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy
from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.client_support import (
    API_KEY,
    PASSWORD,
    assert_no_secret,
    texts_of,
)


def network_names(client):
    return sorted(n["name"] for n in client.list("network", "/networks", "networks"))


def test_api_key_login_finds_tenant_region_and_endpoints(sim, client_for):
    client = client_for()
    assert "cluster-net" in network_names(client)
    assert client.tenant_id == "123456"
    assert client.region == "DFW"  # the account's default region
    assert client.network_url == sim.url + "/network/DFW/v2.0"
    assert client.compute_url == sim.url + "/compute/DFW/v2/123456"
    assert client.expires
    assert sim.count("POST", "/v2.0/tokens") == 1


def test_password_login(sim, client_for):
    client = client_for(username="demo", password=PASSWORD)
    assert "cluster-net" in network_names(client)
    assert client.tenant_id == "123456"


def test_ready_token_makes_no_identity_call(sim, client_for):
    token = sim.token()
    sim.call("POST", "/_sim/reset")
    client = client_for(auth_token=token, tenant_id="123456", region="dfw",
                        network_url=sim.url + "/network/{region}/v2.0",
                        compute_url=sim.url + "/compute/{region}/v2/{tenant_id}")
    assert client.compute_url == sim.url + "/compute/DFW/v2/123456"
    servers = client.list("compute", "/servers/detail", "servers")
    assert len(servers) == 10
    assert sim.count("POST", "/v2.0/tokens") == 0


def test_ready_token_with_a_username_alone_is_fine_but_cannot_renew(sim, client_for):
    client = client_for(auth_token=sim.token(), username="demo", tenant_id="123456",
                        network_url=sim.url + "/network/DFW/v2.0", compute_url=sim.url + "/compute/DFW/v2/123456")
    assert "cluster-net" in network_names(client)
    sim.call("POST", "/_sim/expire-tokens")
    with pytest.raises(AuthError):
        network_names(client)
    assert sim.count("POST", "/v2.0/tokens") == 1


def test_credentials_file_gives_user_key_and_region(sim, client_for, tmp_path):
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\napi_key = %s\nregion = ord\n" % API_KEY)
    client = client_for(credentials=str(creds))
    client.authenticate()
    assert client.region == "ORD"
    assert client.network_url == sim.url + "/network/ORD/v2.0"


def test_region_is_matched_in_any_case_and_sent_upper_case(sim, client_for):
    client = client_for(region="Ord")
    client.authenticate()
    assert client.region == "ORD"
    assert client.compute_url == sim.url + "/compute/ORD/v2/123456"
    assert network_names(client) == ["PublicNet", "ServiceNet"]  # cluster-net lives in DFW only


def test_given_endpoints_override_the_catalog(sim, client_for):
    client = client_for(network_url=sim.url + "/network/ORD/v2.0/")
    assert network_names(client) == ["PublicNet", "ServiceNet"]  # ORD's networks, though the region is DFW
    assert client.region == "DFW"
    assert client.compute_url == sim.url + "/compute/DFW/v2/123456"  # still from the catalog


def test_unknown_region_names_the_regions_there_are(sim, client_for):
    with pytest.raises(AuthError) as info:
        client_for(region="syd").authenticate()
    assert "region SYD" in str(info.value)
    assert "DFW, ORD" in str(info.value)


@pytest.mark.parametrize("secret", [{"api_key": "hush-hush"}, {"password": "hush-hush"}])
def test_bad_credentials_give_a_clear_message_without_the_secret(sim, client_for, secret):
    client = client_for(username="demo", **secret)
    with pytest.raises(AuthError) as info:
        client.authenticate()
    err = info.value
    assert str(err).startswith("POST /v2.0/tokens: 401 unauthorized: ")
    assert "invalid" in err.message
    assert err.failure()["status"] == 401
    assert_no_secret(*texts_of(err) + [repr(client)])


def expire_soon(sim, client):
    """Authenticate, then expire the token the client holds."""
    client.authenticate()
    sim.call("POST", "/_sim/expire-tokens")


def test_expired_token_is_renewed_once_and_the_request_repeated(sim, client_for):
    client = client_for()
    expire_soon(sim, client)
    first = client.token
    assert "cluster-net" in network_names(client)
    assert client.token != first
    assert sim.count("POST", "/v2.0/tokens") == 2
    assert sim.count("GET", "/networks") == 2  # the 401 and the repeat


def test_a_token_refused_twice_is_not_retried_forever(sim, client_for):
    client = client_for()
    sim.faults(token_ttl=0.001, latency_ms=20)  # every token has expired by the time it is used
    with pytest.raises(AuthError) as info:
        network_names(client)
    assert str(info.value).startswith("GET /v2.0/networks: 401 ")
    assert sim.count("POST", "/v2.0/tokens") == 2
    assert sim.count("GET", "/networks") == 2
    assert_no_secret(*texts_of(info.value), tokens=[client.token])


def test_ready_token_without_credentials_fails_clearly_when_it_expires(sim, client_for):
    token = sim.token()
    sim.call("POST", "/_sim/expire-tokens")
    client = client_for(auth_token=token, tenant_id="123456", region="DFW",
                        network_url=sim.url + "/network/DFW/v2.0", compute_url=sim.url + "/compute/DFW/v2/123456")
    with pytest.raises(AuthError) as info:
        network_names(client)
    assert "expired" in str(info.value)
    assert sim.count("POST", "/v2.0/tokens") == 1  # only the test's own login
    assert_no_secret(*texts_of(info.value) + [repr(client)], tokens=[token])


def test_threads_share_one_renewal(sim, client_for):
    client = client_for()
    expire_soon(sim, client)
    errors, barrier = [], threading.Barrier(6)

    def worker():
        barrier.wait()
        try:
            network_names(client)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for dummy in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sim.count("POST", "/v2.0/tokens") == 2


def test_threads_on_a_fresh_client_log_in_once_and_see_both_endpoints(sim, client_for):
    """Parallel first calls (the read step's pool) on both services: one login, no call without its endpoint."""
    client = client_for()
    errors, barrier = [], threading.Barrier(8)

    def worker(index):
        barrier.wait()
        try:
            if index % 2:
                network_names(client)
            else:
                client.request("GET", "compute", "/servers/detail", params={"name": "^node01$"})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sim.count("POST", "/v2.0/tokens") == 1


@pytest.mark.parametrize("status", [413, 429, 503])
def test_rate_limits_and_server_errors_are_retried_after_retry_after(sim, client_for, sleeps, status):
    sim.faults(retry_after=3, fail_next=[{"method": "GET", "path_regex": "/networks$", "status": status, "times": 2}])
    client = client_for()
    assert "cluster-net" in network_names(client)
    assert sleeps.delays == [3, 3]
    assert sim.count("GET", "/networks") == 3


def test_without_retry_after_delays_grow_with_full_jitter(sim, client_for, sleeps):
    sim.faults(fail_next=[{"method": "GET", "path_regex": "/networks$", "status": 502, "times": 4}])
    client = client_for()
    assert "cluster-net" in network_names(client)
    assert len(sleeps.delays) == 4
    for n, delay in enumerate(sleeps.delays):
        assert 0 <= delay <= 0.5 * 2 ** n


def test_retries_are_bounded_in_count(sim, client_for, sleeps):
    sim.faults(fail_next=[{"method": "GET", "path_regex": "/networks$", "status": 503, "times": 100}])
    client = client_for(max_retries=3)
    with pytest.raises(ApiError) as info:
        network_names(client)
    assert info.value.status == 503
    assert info.value.attempts == 4
    assert len(sleeps.delays) == 3
    assert sim.count("GET", "/networks") == 4


def test_retries_are_bounded_in_time(sim, client_for, sleeps):
    sim.faults(retry_after=4, fail_next=[{"method": "GET", "path_regex": "/networks$", "status": 429, "times": 100}])
    client = client_for(max_retry_time=10)
    with pytest.raises(ApiError) as info:
        network_names(client)
    assert info.value.status == 429
    assert sleeps.delays == [4, 4]  # a third wait would pass the 10 s budget
    assert sim.count("GET", "/networks") == 3


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_login_that_failed_is_not_tried_again_by_the_threads_that_waited_for_it(sleeps):
    """The read step's parallel calls all need the login: when it fails (nothing listens), the threads
    that waited for it fail with the same error at once instead of trying it again each."""
    port = closed_port()
    client = Client.from_options(username="demo", api_key=API_KEY, identity_url="http://127.0.0.1:%d/v2.0" % port,
                                 sleep=sleeps)
    attempts = []
    client.on_request.append(lambda method, path, status, elapsed: attempts.append(path))
    with ThreadPoolExecutor(max_workers=4) as pool:
        errors = list(pool.map(lambda _n: _raised(client.get, "network", "/networks"), range(4)))
    assert len(set(id(e) for e in errors)) == 1 and errors[0].kind == "unreachable"
    assert attempts == ["/v2.0/tokens"]                 # one login, not repeated (nothing listens), and no more


def _raised(func, *args):
    try:
        func(*args)
    except ApiError as exc:
        return exc
    raise AssertionError("no error")


def test_a_refused_connection_fails_at_once_and_names_the_url(sleeps):
    port = closed_port()
    client = Client.from_options(auth_token="hush-hush", tenant_id="1", network_url="http://127.0.0.1:%d/v2.0" % port,
                                 compute_url="http://127.0.0.1:%d/v2/1" % port, sleep=sleeps)
    with pytest.raises(ApiError) as info:
        client.get("network", "/networks")
    err = info.value
    assert err.status is None
    assert str(err) == ("GET /v2.0/networks: ConnectionError: [Errno 111] Connection refused "
                        "(http://127.0.0.1:%d/v2.0/networks)" % port)
    assert err.kind == "unreachable"
    assert sleeps.delays == []  # nothing listens there: not a passing fault, no repeat of the policy's five
    assert err.attempts == 1
    assert_no_secret(*texts_of(err) + [repr(client)])


def test_a_host_that_does_not_resolve_fails_fast_with_the_url(sleeps):
    """``.invalid`` never resolves (RFC 6761): no traffic leaves the machine but the resolver's."""
    client = Client.from_options(username="demo", api_key=API_KEY, identity_url="https://identity.example.invalid/v2.0",
                                 sleep=sleeps)
    with pytest.raises(ApiError) as info:
        client.authenticate()
    err = info.value
    assert err.kind == "unreachable" and err.status is None
    assert str(err).startswith("POST /v2.0/tokens: ConnectionError: ")
    assert str(err).endswith("(https://identity.example.invalid/v2.0/tokens)")
    assert sleeps.delays == [] and err.attempts == 1
    assert_no_secret(*texts_of(err) + [repr(client)])


def test_a_read_timeout_is_still_retried_by_the_policy(sim, sleeps):
    sim.faults(latency_ms=400)
    client = Client.from_options(auth_token=sim.token(), tenant_id="123456", network_url=sim.url + "/network/DFW/v2.0",
                                 compute_url=sim.url + "/compute/DFW/v2/123456", timeout=0.1, max_retries=3,
                                 sleep=sleeps)
    with pytest.raises(ApiError) as info:
        client.get("network", "/networks")
    assert (info.value.status, info.value.kind, info.value.attempts) == (None, "no_answer", 4)
    assert str(info.value).startswith("GET /v2.0/networks: ReadTimeout: ")
    assert len(sleeps.delays) == 3  # the policy's count, full jitter
    for n, delay in enumerate(sleeps.delays):
        assert 0 <= delay <= 0.5 * 2 ** n
    # The simulator counts each attempt once its 400 ms are over: wait for the last ones, so that they
    # do not land in a later test's count (seen once under load: "refused before any request" counted 1).
    deadline = time.monotonic() + 10
    while sim.count("GET", "/networks") < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim.count("GET", "/networks") == 4


def test_a_post_is_not_repeated_after_a_server_error(sim, client_for, sleeps):
    sim.faults(fail_next=[{"method": "POST", "path_regex": "/ip_addresses$", "status": 503, "times": 1}])
    client = client_for()
    with pytest.raises(UncertainWrite) as info:
        client.post("network", "/ip_addresses", {"ip_address": {"network_id": "x", "version": 4}})
    assert str(info.value).startswith("POST /v2.0/ip_addresses: 503 ")
    assert sleeps.delays == []
    assert sim.count("POST", "/ip_addresses") == 1


def test_a_post_whose_answer_is_lost_is_not_repeated(sim, client_for, sleeps):
    sim.faults(drop_next=[{"method": "POST", "path_regex": "/ip_addresses$", "times": 1, "when": "after"}])
    client = client_for()
    with pytest.raises(UncertainWrite) as info:
        client.post("network", "/ip_addresses", {"ip_address": {"network_id": "x", "version": 4}})
    assert str(info.value) == "POST /v2.0/ip_addresses: ConnectionError: Remote end closed connection without " \
        "response (%s/network/DFW/v2.0/ip_addresses)" % sim.url
    assert info.value.status is None
    assert sleeps.delays == []
    assert sim.count("POST", "/ip_addresses") == 1


def test_a_rate_limited_post_is_repeated_because_it_did_not_run(sim, client_for, sleeps):
    sim.faults(retry_after=1, fail_next=[{"method": "POST", "path_regex": "/ip_addresses$", "status": 413, "times": 1}])
    client = client_for()
    with pytest.raises(ApiError) as info:  # the repeat reaches the rules, which refuse the bad body
        client.post("network", "/ip_addresses", {"ip_address": {"network_id": "x", "version": 4}})
    assert info.value.status in (400, 404)
    assert sleeps.delays == [1]
    assert sim.count("POST", "/ip_addresses") == 2


def test_error_message_and_failure_name_the_call(sim, client_for):
    client = client_for()
    with pytest.raises(ApiError) as info:
        client.get("network", "/ip_addresses/no-such-id")
    err = info.value
    assert str(err) == "GET /v2.0/ip_addresses/no-such-id: 404 %s: %s" % (err.type, err.message)
    assert err.failure() == {"call": "GET /v2.0/ip_addresses/no-such-id", "status": 404, "type": err.type,
                             "message": err.message}
    with pytest.raises(ApiError) as info:
        client.get("compute", "/servers/no-such-server")
    assert str(info.value).startswith("GET /v2/123456/servers/no-such-server: 404 itemNotFound: ")


def test_on_request_hook_sees_every_call(sim, client_for):
    seen = []
    client = client_for()
    client.on_request.append(lambda method, path, status, elapsed: seen.append((method, path, status)))
    network_names(client)
    assert seen == [("POST", "/v2.0/tokens", 200), ("GET", "/v2.0/networks", 200)]


def test_no_secret_in_any_message_repr_or_hook(sim, client_for, sleeps):
    """Provoke every kind of failure with real secrets in play and grep everything a user could see."""
    seen, shown = [], []
    client = client_for(max_retries=1)
    client.on_request.append(lambda *call: seen.append(call))
    client.authenticate()
    token = client.token
    sim.faults(fail_next=[{"method": "GET", "path_regex": "/networks$", "status": 503, "times": 5},
                          {"method": "POST", "path_regex": "/ip_addresses$", "status": 500, "times": 1}],
               drop_next=[{"method": "PUT", "path_regex": "/ip_addresses/", "times": 5, "when": "after"}])
    attempts = [
        lambda: client.get("network", "/networks"),
        lambda: client.post("network", "/ip_addresses", {"ip_address": {"version": 4}}),
        lambda: client.put("network", "/ip_addresses/x", {"ip_address": {"port_ids": ["a", "b"]}}),
        lambda: client.get("compute", "/servers/%s" % token),  # even a token echoed back by the cloud
        lambda: client_for(username="demo", password=PASSWORD + "x").authenticate(),
        lambda: client_for(username="demo", api_key=API_KEY + "x").authenticate(),
    ]
    for attempt in attempts:
        with pytest.raises(ApiError) as info:
            attempt()
        shown.extend(texts_of(info.value))
    sim.call("POST", "/_sim/expire-tokens")
    stale = client_for(auth_token=token, tenant_id="123456", network_url=sim.url + "/network/DFW/v2.0",
                       compute_url=sim.url + "/compute/DFW/v2/123456")
    with pytest.raises(AuthError) as info:
        stale.get("network", "/networks")
    shown.extend(texts_of(info.value) + [repr(stale), repr(client)])
    assert len(shown) == 7 * 4 + 2
    assert_no_secret(*shown + seen, tokens=[token, client.token])


def test_no_secret_in_the_failures_of_options_identity_catalog_and_connections(sim, client_for, sleeps, tmp_path):
    """The failures this client added: bad options (even a secret pasted into another option), a 404 from
    identity, no endpoint in the region, refused and unresolvable hosts, a bad password from a file."""
    creds = tmp_path / "rax.ini"
    creds.write_text("[rackspace_cloud]\nusername = demo\npassword = hush-hush\n")
    port = closed_port()
    attempts = [
        lambda: client_for(username="demo", api_key=API_KEY, timeout=0),
        lambda: client_for(username="demo", password=PASSWORD, identity_url=PASSWORD),
        lambda: client_for(username="demo", api_key=API_KEY, network_url="dfw/%s" % API_KEY),
        lambda: client_for(auth_token="hush-hush", tenant_id="1", network_url="hush-hush", compute_url="http://h/v2/1"),
        lambda: client_for(credentials=str(creds), ca_path="/etc/hush-hush.pem"),
        lambda: client_for(username="demo", api_key=API_KEY, max_retries=-1),
        lambda: client_for(username="demo", api_key=API_KEY, identity_url=sim.url + "/nowhere/v2.0").authenticate(),
        lambda: client_for(username="demo", password=PASSWORD, region="syd").authenticate(),
        lambda: client_for(credentials=str(creds)).authenticate(),
        lambda: client_for(username="demo", api_key=API_KEY, identity_url="http://127.0.0.1:%d/v2.0" % port).authenticate(),
        lambda: client_for(username="demo", password=PASSWORD,
                           identity_url="https://demo:%s@identity.example.invalid/v2.0" % PASSWORD).authenticate(),
    ]
    shown = []
    for attempt in attempts:
        with pytest.raises(ApiError) as info:
            attempt()
        shown.extend(texts_of(info.value))
    assert len(shown) == len(attempts) * 4
    assert "hush-hush" not in "".join(str(t) for t in shown)
    assert_no_secret(*shown)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "no credentials: set username and api_key"),
        ({"api_key": "hush-hush"}, "username is required with api_key"),
        ({"password": "hush-hush"}, "username is required with password"),
        ({"username": "demo"}, "username=demo: given without api_key or password"),
        ({"auth_token": "hush-hush", "tenant_id": "1"}, "auth_token needs network_url and compute_url"),
        ({"auth_token": "hush-hush", "network_url": "http://h/v2.0"}, "auth_token needs compute_url"),
        ({"auth_token": "hush-hush", "compute_url": "http://h/v2/{tenant_id}", "network_url": "http://h/v2.0"},
         "needs tenant_id"),
    ],
)
def test_unusable_options_are_refused_before_any_call(kwargs, message):
    with pytest.raises(ConfigError) as info:
        Client.from_options(identity_url="http://127.0.0.1:9/v2.0", **kwargs)
    assert message in str(info.value)
    assert "hush-hush" not in str(info.value) + repr(info.value)


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


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request with the status named in its path's last segment and no body."""

    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        Recorder.seen.append({"method": self.command, "path": self.path,
                              "content_type": self.headers.get("Content-Type"),
                              "body": self.rfile.read(length) if length else b""})
        self.send_response(int(self.path.rstrip("/").rsplit("/", 1)[1]))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


@contextlib.contextmanager
def serving(handler):
    """A loopback server of ``handler`` for the length of the block: yields its base URL."""
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield "http://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def empty_server():
    with serving(Recorder) as base:
        yield base


def client(base):
    return Client.from_options(auth_token="hush-hush", tenant_id="1", network_url=base + "/v2.0",
                               compute_url=base + "/v2/1", max_retries=0)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_an_empty_2xx_is_success_for_every_verb(empty_server, status):
    cloud = client(empty_server)
    assert cloud.put("compute", "/servers/s/ip_associations/%d" % status, {"ip_association": {}}) is None
    assert cloud.post("network", "/ip_addresses/%d" % status, {"ip_address": {}}) is None
    assert cloud.get("network", "/ip_addresses/%d" % status) == (status, None)
    assert cloud.delete("compute", "/servers/s/ip_associations/%d" % status) is None
    assert [s["method"] for s in Recorder.seen] == ["PUT", "POST", "GET", "DELETE"]  # one call each


def test_the_association_body_is_json_with_its_content_type(empty_server):
    client(empty_server).put("compute", "/servers/s/ip_associations/201", {"ip_association": {}})
    sent = Recorder.seen[0]
    assert sent["content_type"] == "application/json"
    assert json.loads(sent["body"]) == {"ip_association": {}}


def test_an_empty_dict_is_still_a_json_body_and_none_is_no_body(empty_server):
    cloud = client(empty_server)
    cloud.put("compute", "/servers/s/ip_associations/204", {})
    cloud.put("compute", "/servers/s/ip_associations/204")
    with_dict, without = Recorder.seen
    assert (with_dict["content_type"], with_dict["body"]) == ("application/json", b"{}")
    assert (without["content_type"], without["body"]) == (None, b"")


class Garbled(Recorder):
    """Answers every request 200 with a JSON list or HTML where an object is due."""

    def _answer(self):
        Recorder.seen.append({"method": self.command, "path": self.path})
        content = b"<html>portal</html>" if "html" in self.path else b"[1, 2]"
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_PUT = do_POST = do_DELETE = _answer


@pytest.fixture
def garbled_server():
    with serving(Garbled) as base:
        yield base


def test_an_answer_that_is_no_object_is_a_clear_error_not_a_crash(garbled_server):
    cloud = client(garbled_server)
    with pytest.raises(ApiError) as info:
        cloud.list("network", "/ports", "ports")
    assert str(info.value) == "GET /v2.0/ports: 200 BadResponse: the answer holds no ports list"
    login = Client.from_options(username="demo", api_key="0123456789abcdef", identity_url=garbled_server + "/html/v2.0")
    with pytest.raises(ApiError) as info:
        login.authenticate()
    assert str(info.value) == "POST /v2.0/tokens: 200 BadResponse: the answer of %s/html/v2.0/tokens holds no token" \
        % garbled_server


class RateLimitedOnce(Recorder):
    """The first request gets Nova's 413 overLimit with retryAfter in the body only (no header); then 204."""

    def _answer(self):
        Recorder.seen.append({"method": self.command, "path": self.path})
        if len(Recorder.seen) == 1:
            content = json.dumps({"overLimit": {"code": 413, "message": "This request was rate-limited.",
                                                "retryAfter": "2"}}).encode()
            self.send_response(413)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = do_DELETE = _answer


def test_retry_after_is_read_from_novas_body_when_no_header_gives_it():
    with serving(RateLimitedOnce) as base:
        slept = []
        cloud = Client.from_options(auth_token="hush-hush", tenant_id="1", network_url=base + "/v2.0",
                                    compute_url=base + "/v2/1", sleep=slept.append)
        assert cloud.put("compute", "/servers/s/ip_associations/i", {"ip_association": {}}) is None
        assert slept == [2.0]
        assert len(Recorder.seen) == 2
