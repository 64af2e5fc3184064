# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to repeat a request and how long to wait: exponential backoff with full jitter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import email.utils
import random
import time

RETRY_STATUSES = frozenset([413, 429])
IDEMPOTENT = frozenset(["GET", "PUT", "DELETE", "HEAD"])


def retryable_status(status):
    """True for answers that say "not now": rate limits (413, 429) and server errors (5xx)."""
    return status in RETRY_STATUSES or 500 <= status <= 599


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After value: seconds, an HTTP date or an ISO 8601 date.

    Returns None when the value is absent or unreadable; never negative.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(0.0, float(value))
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    when = None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        try:
            when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_UTC)
    now = now if now is not None else datetime.datetime.now(_UTC)
    return max(0.0, (when - now).total_seconds())


_UTC = datetime.timezone.utc


class RetryPolicy:
    """Bounds and timing of retries, shared by every request of one client.

    ``max_retries`` repeats at most, ``max_retry_time`` seconds in all (time spent in requests
    plus the delays chosen), delays ``uniform(0, min(cap, base * 2 ** n))`` ("full jitter"), or
    the server's Retry-After when it gives one. ``sleep`` and ``rng`` are injectable for tests.
    """

    def __init__(self, max_retries=5, max_retry_time=60.0, base=0.5, cap=30.0, sleep=None, rng=None,
                 clock=None):
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.base = base
        self.cap = cap
        self.sleep = sleep or time.sleep
        self.rng = rng or random.Random()
        self.clock = clock or time.monotonic

    def start(self):
        return RetryState(self)


class RetryState:
    """The retries of one request: counts them and keeps the time budget."""

    def __init__(self, policy):
        self.policy = policy
        self.retries = 0
        self.started = policy.clock()
        self.slept_chosen = 0.0
        self.slept_real = 0.0

    def spent(self):
        """Seconds used so far, counting delays as chosen (an injected sleep may not really wait)."""
        return self.policy.clock() - self.started - self.slept_real + self.slept_chosen

    def next_delay(self, retry_after=None):
        """The delay before the next attempt, or None when the count or time budget is used up."""
        policy = self.policy
        if self.retries >= policy.max_retries:
            return None
        if retry_after is not None:
            delay = float(retry_after)
        else:
            delay = policy.rng.uniform(0, min(policy.cap, policy.base * (2 ** self.retries)))
        if self.spent() + delay > policy.max_retry_time:
            return None
        return delay

    def wait(self, delay):
        self.retries += 1
        before = self.policy.clock()
        self.policy.sleep(delay)
        self.slept_real += self.policy.clock() - before
        self.slept_chosen += delay
