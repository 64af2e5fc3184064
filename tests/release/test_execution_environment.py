"""Execution environments: what ansible-builder finds in the installed collection and builds from the example.

Building the image needs podman or Docker; these tests stop before that, at the
build context, and then run on this machine the two steps of the context that
concern the collection: the galaxy stage's install from the context's
requirements.yml, and the builder stage's introspection (the context's own
introspect.py) that writes the requirements files the image installs.
"""

import shutil
import sys

import pytest
import yaml

from tests.release.helpers import CONSTRAINTS, REPO, RUNTIME, pins, run, tool

EXAMPLE = REPO / "examples" / "execution-environment"
TARBALL_NAME = "failover-shared_ip.tar.gz"


def _bindep_entries():
    lines = [line.strip() for line in (REPO / "bindep.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _runtime_requirements():
    lines = [line.split("#", 1)[0].strip() for line in RUNTIME.read_text().splitlines()]
    return [line for line in lines if line]


def _entries(lines):
    """Requirement lines without ansible-builder's `# from collection ...` comments."""
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def test_collection_dependency_file_names_files_of_the_collection_root():
    meta = yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text())
    deps = meta["dependencies"]
    assert deps == {"python": "requirements.txt", "system": "bindep.txt"}
    assert all((REPO / path).is_file() for path in deps.values())


def test_introspect_finds_python_and_system_dependencies_in_the_installed_copy(installed):
    proc = run([tool("ansible-builder"), "introspect", installed["root"]], env=installed["env"], cwd=installed["cwd"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = yaml.safe_load(proc.stdout.split("---", 1)[1])
    assert _entries(found["python"]) == _runtime_requirements()
    assert _entries(found["system"]) == _bindep_entries()
    assert all(line.endswith("# from collection failover.shared_ip") for line in found["python"] + found["system"])


@pytest.fixture(scope="module")
def context(tarball, tmp_path_factory):
    """`ansible-builder create` on a copy of the example, with the built tarball put where its README says."""
    work = tmp_path_factory.mktemp("ee")
    shutil.copy(EXAMPLE / "execution-environment.yml", work)
    shutil.copy(tarball, work / TARBALL_NAME)
    proc = run([tool("ansible-builder"), "create", "-f", "execution-environment.yml", "--context", "context",
                "--output-filename", "Containerfile"], cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return work / "context"


def test_example_definition_uses_the_tested_ansible_core():
    definition = yaml.safe_load((EXAMPLE / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    tested = pins(CONSTRAINTS)["ansible-core"]
    assert definition["dependencies"]["ansible_core"]["package_pip"] == f"ansible-core=={tested}"


def test_context_carries_the_tarball_and_installs_it_in_the_galaxy_stage(context, tarball):
    copied = context / "_build" / "collections" / TARBALL_NAME
    assert copied.read_bytes() == tarball.read_bytes()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"] == [{"name": f"collections/{TARBALL_NAME}", "type": "file"}]
    containerfile = (context / "Containerfile").read_text()
    assert "COPY _build /build" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile and "install-from-bindep" in containerfile


def test_context_steps_install_the_collection_and_list_its_requirements(context, installed, tmp_path):
    """The galaxy stage and the builder stage's introspection, run here as the Containerfile runs them."""
    collections = tmp_path / "usr-share-ansible" / "collections"
    env = dict(installed["env"], ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1")
    build = context / "_build"   # the Containerfile's WORKDIR /build
    proc = run([tool("ansible-galaxy"), "collection", "install", "-r", "requirements.yml",
                "--collections-path", collections], env=env, cwd=build)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (collections / "ansible_collections" / "failover" / "shared_ip" / "MANIFEST.json").is_file()
    src = tmp_path / "src"
    proc = run([sys.executable, build / "scripts" / "introspect.py", "introspect", collections,
                f"--write-bindep={src / 'bindep.txt'}", f"--write-pip={src / 'requirements.txt'}"], env=env, cwd=build)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _entries((src / "requirements.txt").read_text().splitlines()) == _runtime_requirements()
    assert _entries((src / "bindep.txt").read_text().splitlines()) == _bindep_entries()
