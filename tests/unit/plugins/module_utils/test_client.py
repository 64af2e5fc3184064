"""The API client against the real simulator: identity, regions, re-authentication, retries, pages, errors."""

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    ApiError,
    AuthError,
    Client,
    UncertainWrite,
)
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


def network_names(client):
    return sorted(n["name"] for n in client.list("network", "/networks", "networks"))


# -- identity -------------------------------------------------------------------------------

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


# -- re-authentication ------------------------------------------------------------------------

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


# -- retries ----------------------------------------------------------------------------------

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
    assert attempts == ["/v2.0/tokens"] * 3             # one login, its two quick repeats, and no more


def _raised(func, *args):
    try:
        func(*args)
    except ApiError as exc:
        return exc
    raise AssertionError("no error")


def test_a_refused_connection_is_repeated_twice_quickly_and_names_the_url(sleeps):
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
    assert sleeps.delays == [0.1, 0.2]  # nothing listens there: two short repeats, not the policy's five
    assert err.attempts == 3
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
    assert sleeps.delays == [0.1, 0.2]
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


# -- pages and errors -------------------------------------------------------------------------

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
