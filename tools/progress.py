"""Progress lines with the elapsed time, so that a long step never looks like a hang."""

import sys
import time

_START = time.monotonic()


def step(text):
    """A new step: `[  12.3s] text`."""
    print(f"[{time.monotonic() - _START:6.1f}s] {text}", flush=True)


def detail(text):
    """A line under the current step."""
    print(f"          {text}", flush=True)


def block(text):
    """A multi-line block (a table), indented under the current step."""
    for line in text.splitlines():
        detail(line)


def fail(text):
    print(f"[{time.monotonic() - _START:6.1f}s] FAILED: {text}", file=sys.stderr, flush=True)
