"""Release metadata agrees with itself: version, changelog, requires_ansible, EE."""

import re
import shutil

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.release.helpers import CONSTRAINTS, NEWER, REPO, galaxy, pins, run, tool


def _requires_ansible():
    return SpecifierSet(yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["requires_ansible"])


def test_changelog_latest_release_is_the_galaxy_version():
    releases = yaml.safe_load((REPO / "changelogs" / "changelog.yaml").read_text())["releases"]
    assert releases, "changelogs/changelog.yaml records no release"
    assert max(releases, key=Version) == str(galaxy()["version"])


def test_changelog_md_has_the_galaxy_version():
    version = str(galaxy()["version"])
    heading = "## v" + version.replace(".", "\\.")
    assert heading in (REPO / "CHANGELOG.md").read_text()


def test_changelog_lints_clean():
    proc = run([tool("antsibull-changelog"), "lint"], cwd=REPO)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def test_changelog_md_is_generated_from_changelog_yaml(tmp_path):
    for name in ("galaxy.yml", "changelogs", "CHANGELOG.md"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    proc = run([tool("antsibull-changelog"), "generate"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "CHANGELOG.md").read_text() == (REPO / "CHANGELOG.md").read_text(), \
        "CHANGELOG.md is stale: run `make changelog`"


def test_requires_ansible_starts_at_the_tested_ansible_core():
    tested = Version(pins(CONSTRAINTS)["ansible-core"])
    newer = Version(pins(NEWER)["ansible-core"])
    spec = _requires_ansible()
    assert tested in spec and newer in spec
    lower = [Version(s.version) for s in spec if s.operator == ">="]
    assert lower == [Version(f"{tested.major}.{tested.minor}.0")], f"requires_ansible {spec} is not what we test"
    assert (newer.major, newer.minor) > (tested.major, tested.minor)


BINDEP_LINE = re.compile(r"[a-z0-9][a-z0-9.+_-]*( \[(!?[a-z0-9:._-]+ ?)+\])?")


def test_bindep_lines_are_well_formed():
    lines = [line.strip() for line in (REPO / "bindep.txt").read_text().splitlines()]
    entries = [line for line in lines if line and not line.startswith("#")]
    assert entries
    bad = [line for line in entries if not BINDEP_LINE.fullmatch(line)]
    assert not bad, bad
