# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_retry: Retry-After forms, full-jitter backoff within its bounds, the time budget, unreachable hosts,
and the policy as the modules use it."""

import datetime
import email.utils
import random

import pytest

from ansible_collections.failover.shared_ip.plugins.module_utils._client import ConfigError
from ansible_collections.failover.shared_ip.plugins.module_utils._retry import RetryPolicy, parse_retry_after


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


def test_pause_and_sleep_for_for_loops_of_ones_own():
    slept = []
    policy = RetryPolicy.for_attempts(3, base=0.1, cap=1, sleep=slept.append, rng=random.Random(5))
    state = policy.start()
    assert state.pause() and state.pause()
    assert not state.pause()  # a third repeat would be the fourth attempt
    assert state.attempts == 3 and len(slept) == 2
    assert 0 <= policy.sleep_for(10) <= 1  # capped


def test_an_unreachable_host_is_not_repeated_whatever_the_budget():
    state = RetryPolicy(max_retries=50, max_retry_time=1000).start()
    assert state.next_delay(unreachable=True) is None
    assert state.next_delay() is not None  # the budget itself is there for passing faults


@pytest.mark.parametrize("kwargs, message", [
    ({"max_retries": -1}, "max_retries=-1: must be a whole number of at least 0"),
    ({"max_retries": True}, "max_retries=True: must be a whole number of at least 0"),
    ({"max_retry_time": -0.5}, "max_retry_time=-0.5: must be a number of at least 0"),
])
def test_bad_retry_bounds_are_named(kwargs, message):
    with pytest.raises(ConfigError) as info:
        RetryPolicy(**kwargs)
    assert str(info.value) == message
