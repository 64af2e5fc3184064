"""The client probe (testbed/lab/probe.py) against loopback: what the soak's client silences rest on."""

import os

import pytest

from testbed.lab.probe import probe, sent_index

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a raw ICMP socket needs root")


def stop_after(calls):
    """A stop() for probe(): with no interval it sends once per call, so this bounds what it sends."""
    count = iter(range(calls))
    return lambda: next(count, None) is None


def test_replies_after_the_sequence_number_wraps_are_not_taken_for_duplicates():
    # 16-bit sequence numbers wrap after 65536 probes (5.5 minutes at 5 ms); replies after the wrap were
    # counted as duplicates and the rest of a 10-minute soak looked like one long client silence
    result = probe("127.0.0.1", seconds=60, interval=0.0, stop=stop_after(70000))
    assert result["sent"] > 65536
    assert result["duplicates"] == 0 and result["lost"] <= 10
    assert result["resumed"] and result["longest_gap_ms"] < 1000


def test_a_reply_is_matched_to_the_latest_probe_of_its_sequence_number():
    assert sent_index(5, 6) == 5
    assert sent_index(5, 65536 + 6) == 65536 + 5
    assert sent_index(65535, 65536 + 2) == 65535  # a late reply from just before the wrap
