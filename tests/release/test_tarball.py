"""The tarball carries what a release needs and nothing of the workshop."""

import json
import tarfile

from tests.release.helpers import REPO, galaxy

NEEDED = [
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "CHANGELOG.md",
    "changelogs/changelog.yaml",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "requirements.txt",
    "bindep.txt",
]

# Top-level entries that belong to development, never to a release.
WORKSHOP = {".venv", ".build", ".lab", ".git", ".ci", ".ansible", ".pytest_cache", "Makefile",
            "requirements-dev.txt", "constraints.txt", "pytest.ini", "bench-results.json"}


def test_tarball_holds_the_release_files(tarball_names):
    missing = [name for name in NEEDED if name not in tarball_names]
    assert not missing, missing
    for path in sorted((REPO / "plugins").rglob("*.py")):
        if "__pycache__" not in path.parts:
            assert str(path.relative_to(REPO)) in tarball_names
    assert any(name.startswith("roles/keepalived_vip/tasks/") for name in tarball_names)


def test_tarball_leaves_the_workshop_out(tarball_names):
    leaked = [
        name for name in tarball_names
        if name.split("/")[0] in WORKSHOP
        or "__pycache__" in name.split("/")
        or name.startswith("tests/output/")
        or name.endswith((".pyc", ".tar.gz"))
    ]
    assert not leaked, leaked


def test_manifest_names_the_version_of_galaxy_yml(tarball):
    meta = galaxy()
    with tarfile.open(tarball) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == (meta["namespace"], meta["name"], meta["version"])
    assert info["license"] == ["GPL-3.0-or-later"]
