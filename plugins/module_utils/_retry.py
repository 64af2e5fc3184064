# Private to the failover.shared_ip collection: not a public API, may change without notice.
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to repeat a request and how long to wait: exponential backoff with full jitter.

RetryPolicy is the one place for backoff in the collection: the client's retries and the modules'
own rounds (a lost race repeated after a pause) both take their delays from it::

    policy = RetryPolicy.for_attempts(params["attempts"], option="attempts", base=0.05, cap=0.5)

    # a loop of your own: pause() waits the next delay, False once the budget is spent
    state = policy.start()
    while not done():
        if not state.pause():
            raise GaveUp(state.attempts)

    # just the number: policy.sleep_for(n) is the delay before repeat n (0-based), jittered
"""

import datetime
import email.utils
import random
import time

from ansible_collections.failover.shared_ip.plugins.module_utils._errors import ConfigError

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
    the server's Retry-After when it gives one. An unreachable host (connection refused, name not
    resolved) is not repeated at all (see ``RetryState.next_delay``).
    ``sleep``, ``rng`` and ``clock`` are injectable for tests. Bad bounds raise ConfigError.
    """

    def __init__(self, max_retries=5, max_retry_time=60.0, base=0.5, cap=30.0, sleep=None, rng=None,
                 clock=None, option="max_retries"):
        _check_number(option, max_retries, minimum=0, integer=True)
        _check_number("max_retry_time", max_retry_time, minimum=0)
        self.max_retries = max_retries
        self.max_retry_time = max_retry_time
        self.base = base
        self.cap = cap
        self.sleep = sleep or time.sleep
        self.rng = rng or random.Random()
        self.clock = clock or time.monotonic

    @classmethod
    def for_attempts(cls, attempts, option="attempts", **kwargs):
        """A policy of ``attempts`` tries in all (1 = no repeat); 0 or less raises ConfigError."""
        _check_number(option, attempts, minimum=1, integer=True)
        kwargs.setdefault("max_retry_time", float("inf"))
        return cls(max_retries=attempts - 1, option=option, **kwargs)

    def start(self):
        return RetryState(self)

    def sleep_for(self, retry):
        """The jittered delay before repeat number ``retry`` (0-based), without waiting."""
        return self.rng.uniform(0, min(self.cap, self.base * (2 ** retry)))


def _check_number(option, value, minimum, integer=False):
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < minimum:
        raise ConfigError("must be %s of at least %s" % ("a whole number" if integer else "a number", minimum),
                          option=option, value=value)


class RetryState:
    """The retries of one request: counts them and keeps the time budget."""

    def __init__(self, policy):
        self.policy = policy
        self.retries = 0
        self.started = policy.clock()
        self.slept_chosen = 0.0
        self.slept_real = 0.0

    @property
    def attempts(self):
        """Attempts made so far (the first one included)."""
        return self.retries + 1

    def spent(self):
        """Seconds used so far, counting delays as chosen (an injected sleep may not really wait)."""
        return self.policy.clock() - self.started - self.slept_real + self.slept_chosen

    def next_delay(self, retry_after=None, unreachable=False):
        """The delay before the next attempt, or None when the count or time budget is used up.

        ``unreachable``: the host refused the connection or its name did not resolve; None at once,
        whatever the budget. Nothing listens there, or there is no such host: that is not a passing
        fault like a 503 or a timeout. A repeat within the second a user should wait finds the same
        (a service that restarts takes longer than that), and a longer wait only delays the answer.
        """
        policy = self.policy
        if unreachable or self.retries >= policy.max_retries:
            return None
        if retry_after is not None:
            delay = float(retry_after)
        else:
            delay = policy.sleep_for(self.retries)
        if self.spent() + delay > policy.max_retry_time:
            return None
        return delay

    def wait(self, delay):
        self.retries += 1
        before = self.policy.clock()
        self.policy.sleep(delay)
        self.slept_real += self.policy.clock() - before
        self.slept_chosen += delay

    def pause(self, retry_after=None):
        """Wait before the next attempt; False (without waiting) when the budget is spent."""
        delay = self.next_delay(retry_after)
        if delay is None:
            return False
        self.wait(delay)
        return True
