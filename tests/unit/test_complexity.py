# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No block of plugins/ is more complex than radon's grade C (cyclomatic complexity 20 at most)."""

from __future__ import annotations

from pathlib import Path

import pytest

radon_complexity = pytest.importorskip("radon.complexity")

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
WORST_GRADE = "C"


def blocks():
    for path in sorted(PLUGINS.rglob("*.py")):
        for block in radon_complexity.cc_visit(path.read_text()):
            yield path.relative_to(PLUGINS.parent), block
            for method in getattr(block, "methods", []):
                yield path.relative_to(PLUGINS.parent), method


def test_no_block_is_worse_than_c():
    worse = ["%s:%d %s %s (%d)" % (path, b.lineno, b.fullname, radon_complexity.cc_rank(b.complexity), b.complexity)
             for path, b in blocks() if radon_complexity.cc_rank(b.complexity) > WORST_GRADE]
    assert worse == [], "split these into named steps:\n" + "\n".join(worse)
