"""Requirements: ranges for users and execution environments, exact pins for development.

requirements.txt is what every controller and every execution environment that
includes the collection installs, next to other collections' requirements: it
names ranges. constraints.txt pins every package of the development virtualenv
(`make venv`); the other pinned files agree with it.
"""

import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.release.helpers import CONSTRAINTS, DEV, NEWER, REPO, RUNTIME, UNITS, pins, requirements


def _constraints():
    return pins(CONSTRAINTS)


def test_requirements_txt_names_ranges_not_pins():
    reqs = requirements(RUNTIME)
    assert "requests" in {canonicalize_name(r.name) for r in reqs}
    for req in reqs:
        operators = {s.operator for s in req.specifier}
        assert not operators & {"==", "==="}, f"requirements.txt pins {req}: users need a range"
        assert ">=" in operators and "<" in operators, f"{req}: give a lower and an upper bound"


def test_tested_versions_are_inside_the_ranges():
    constraints = _constraints()
    for req in requirements(RUNTIME):
        version = constraints.get(canonicalize_name(req.name))
        assert version, f"constraints.txt does not pin {req.name}"
        assert req.specifier.contains(version), f"tested {req.name}=={version} is outside {req}"


def test_constraints_pin_every_line_exactly():
    lines = [l.split("#", 1)[0].strip() for l in CONSTRAINTS.read_text().splitlines()]
    for line in filter(None, lines):
        req = Requirement(line)
        assert [s.operator for s in req.specifier] == ["=="], f"constraints.txt: {line!r} is not name==version"


def test_dev_requirements_are_pinned_at_the_constraints():
    constraints = _constraints()
    dev_only = [r for r in requirements(DEV) if r not in requirements(RUNTIME)]
    assert dev_only
    for req in dev_only:
        name = canonicalize_name(req.name)
        assert name in constraints, f"constraints.txt does not pin {req.name} (run `make lock`)"
        assert str(req.specifier) == f"=={constraints[name]}", f"requirements-dev.txt {req} != constraints.txt"


@pytest.mark.parametrize("path", [UNITS, NEWER], ids=lambda p: str(p.relative_to(REPO)))
def test_other_pinned_sets_use_the_tested_versions_of_the_requirements(path):
    # ansible-test reads these files itself and follows no -c: they repeat the pins.
    constraints, pinned = _constraints(), pins(path)
    for req in requirements(RUNTIME):
        name = canonicalize_name(req.name)
        assert pinned.get(name) == constraints[name], f"{path.name}: {req.name} is not pinned at {constraints[name]}"
    shared = {n for n in pinned if n in constraints and n != "ansible-core"}
    differ = {n: (pinned[n], constraints[n]) for n in shared if pinned[n] != constraints[n]}
    assert not differ, f"{path.name} and constraints.txt differ: {differ}"


def _running_in_the_repository_venv():
    return Path(sys.prefix).resolve() == (REPO / ".venv").resolve()


@pytest.mark.skipif(not _running_in_the_repository_venv(), reason="runs only in the .venv that `make venv` made")
def test_make_venv_installed_exactly_the_pinned_set():
    constraints = _constraints()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    for tool in ("pip", "setuptools", "wheel"):
        installed.pop(tool, None)
    assert {n: Version(v) for n, v in installed.items()} == {n: Version(v) for n, v in constraints.items()}
