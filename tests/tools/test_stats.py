"""Median, min and max of repeated measurements (stats.py)."""

from tools.stats import show, summary


def test_summary_shows_median_with_min_and_max():
    s = summary([3.0, 1.0, 2.0])
    assert (s["median"], s["min"], s["max"]) == (2.0, 1.0, 3.0)
    assert show(s, " s", 1) == "2.0 s (1.0-3.0)"
    assert show(summary([5]), " ms") == "5 ms"
    assert show(None) == "n/a"
