"""The client's pure parts: error parsing, Retry-After, backoff bounds, credentials files, options."""

import datetime
import email.utils
import random

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import (
    ApiError,
    Client,
    ConfigError,
)
from ansible_collections.failover.shared_ip.plugins.module_utils._errors import parse_error_body, scrub
from ansible_collections.failover.shared_ip.plugins.module_utils._http import display_root, next_href
from ansible_collections.failover.shared_ip.plugins.module_utils._identity import credentials_from_file
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy, parse_retry_after


@pytest.mark.parametrize(
    "body, reason, expected",
    [
        (
            {"NeutronError": {"type": "PortRequiresDisassociation", "message": "Port requires disassociation", "detail": ""}},
            "Bad Request",
            ("PortRequiresDisassociation", "Port requires disassociation"),
        ),
        ({"NeutronError": {"type": "X", "message": "m", "detail": "d"}}, "", ("X", "m (d)")),
        ({"NeutronError": "plain text"}, "Conflict", ("NeutronError", "plain text")),
        ({"badRequest": {"code": 400, "message": "association already exists"}}, "Bad Request",
         ("badRequest", "association already exists")),
        ({"itemNotFound": {"code": 404, "message": "Server not found"}}, "Not Found", ("itemNotFound", "Server not found")),
        ({"overLimit": {"code": 413, "message": "Rate limited", "retryAfter": "3"}}, "", ("overLimit", "Rate limited")),
        ({"unauthorized": {"code": 401, "message": "bad key"}}, "Unauthorized", ("unauthorized", "bad key")),
        ("<html>Bad gateway</html>", "Bad Gateway", ("Bad Gateway", "<html>Bad gateway</html>")),
        (None, "Service Unavailable", ("Service Unavailable", "")),
    ],
)
def test_error_bodies_of_every_service_are_read(body, reason, expected):
    assert parse_error_body(body, reason) == expected


def test_error_text_and_failure_dict():
    err = ApiError("POST /v2.0/ip_addresses", 409, "CannotCreateMoreSharedIPs", "quota reached")
    assert str(err) == "POST /v2.0/ip_addresses: 409 CannotCreateMoreSharedIPs: quota reached"
    assert err.failure() == {"call": "POST /v2.0/ip_addresses", "status": 409,
                             "type": "CannotCreateMoreSharedIPs", "message": "quota reached"}
    lost = ApiError("GET /v2.0/networks", None, "ConnectionError", "refused")
    assert str(lost) == "GET /v2.0/networks: ConnectionError: refused"
    assert str(ConfigError("no credentials")) == "no credentials"


def test_scrub_masks_secrets_and_cuts_long_text():
    assert scrub("key is s3cr3t!", ["s3cr3t", None, ""]) == "key is ********!"
    assert len(scrub("x" * 5000, [])) == 503


def test_retry_after_forms():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(2.5, now) == 2.5
    assert parse_retry_after(email.utils.format_datetime(now + datetime.timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after("2026-01-01T12:00:09Z", now) == 9.0
    assert parse_retry_after("2025-01-01T12:00:00Z", now) == 0.0  # in the past: no wait
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_full_jitter_delays_stay_under_the_exponential_cap():
    policy = RetryPolicy(max_retries=6, max_retry_time=1000, base=0.5, cap=4, sleep=lambda s: None, rng=random.Random(1))
    state = policy.start()
    delays = []
    while True:
        delay = state.next_delay()
        if delay is None:
            break
        delays.append(delay)
        state.wait(delay)
    assert len(delays) == 6
    for n, delay in enumerate(delays):
        assert 0 <= delay <= min(4, 0.5 * 2 ** n)
    assert len(set(delays)) == 6  # jittered, not a fixed ladder


def test_retry_time_budget_counts_the_delays_chosen():
    slept = []
    policy = RetryPolicy(max_retries=100, max_retry_time=10, sleep=slept.append)
    state = policy.start()
    assert state.next_delay(retry_after=4) == 4
    state.wait(4)
    assert state.next_delay(retry_after=4) == 4
    state.wait(4)
    assert state.next_delay(retry_after=4) is None  # 12 s would pass the 10 s budget
    assert slept == [4, 4]


def test_display_root_starts_at_the_version_segment():
    assert display_root("http://127.0.0.1:8080/network/DFW/v2.0") == "/v2.0"
    assert display_root("https://dfw.servers.api.rackspacecloud.com/v2/123456") == "/v2/123456"
    assert display_root("https://identity.api.rackspacecloud.com/v2.0/") == "/v2.0"


def test_next_page_stays_on_the_configured_host():
    links = [{"rel": "self", "href": "x"},
             {"rel": "next", "href": "https://dfw.networks.internal/network/DFW/v2.0/ports?limit=100&marker=abc"}]
    assert next_href(links, "http://127.0.0.1:9/network/DFW/v2.0") == \
        "http://127.0.0.1:9/network/DFW/v2.0/ports?limit=100&marker=abc"
    assert next_href([{"rel": "previous", "href": "/a"}], "http://h/v2.0") is None
    assert next_href(None, "http://h/v2.0") is None


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


# -- RetryPolicy as the modules use it (one place for backoff) -------------------------------------

def test_pause_and_sleep_for_for_loops_of_ones_own():
    slept = []
    policy = RetryPolicy.for_attempts(3, base=0.1, cap=1, sleep=slept.append, rng=random.Random(5))
    state = policy.start()
    assert state.pause() and state.pause()
    assert not state.pause()  # a third repeat would be the fourth attempt
    assert state.attempts == 3 and len(slept) == 2
    assert 0 <= policy.sleep_for(10) <= 1  # capped


def test_unreachable_hosts_get_two_short_repeats_whatever_the_count():
    slept = []
    state = RetryPolicy(max_retries=50, sleep=slept.append).start()
    while True:
        delay = state.next_delay(unreachable=True)
        if delay is None:
            break
        state.wait(delay, unreachable=True)
    assert slept == [0.1, 0.2]


@pytest.mark.parametrize("kwargs, message", [
    ({"max_retries": -1}, "max_retries=-1: must be a whole number of at least 0"),
    ({"max_retries": True}, "max_retries=True: must be a whole number of at least 0"),
    ({"max_retry_time": -0.5}, "max_retry_time=-0.5: must be a number of at least 0"),
])
def test_bad_retry_bounds_are_named(kwargs, message):
    with pytest.raises(ConfigError) as info:
        RetryPolicy(**kwargs)
    assert str(info.value) == message
