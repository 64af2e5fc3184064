"""Every install path of the README, each into an empty collections path.

The three ways infrastructure repositories install a collection: the tarball
that `ansible-galaxy collection build` makes, a git URL, and a requirements.yml
(with a git or a file source). After each, ansible-doc reads the modules and
the role from the installed copy and `ansible-playbook failover.shared_ip.site`
(the collection's playbook, by its FQCN) parses with the example inventory.

The git paths install from a clone of this checkout's last commit (the
README's `git+https://...` works the same way; uncommitted changes are not in it).
"""

import json
import subprocess

import pytest

from tests.release.helpers import FQCN, REPO, galaxy, isolated_env, run, tool


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clone of the checkout and its commit: what `git+file://` and `type: git` install from."""
    path = tmp_path_factory.mktemp("git") / "failover.shared_ip"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(path)], check=True)
    commit = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True,
                            text=True).stdout.strip()
    return path, commit


def _install(kind, tarball, clone, workdir):
    """The arguments of `ansible-galaxy collection install` for `kind` (writes workdir/requirements.yml)."""
    path, commit = clone
    if kind == "tarball":
        return [tarball]
    if kind == "git":
        return [f"git+file://{path},{commit}"]
    if kind == "requirements-git":
        text = f"---\ncollections:\n  - name: git+file://{path}\n    type: git\n    version: {commit}\n"
    else:  # requirements-file
        text = f"---\ncollections:\n  - name: {tarball}\n    type: file\n"
    (workdir / "requirements.yml").write_text(text)
    return ["-r", "requirements.yml"]


@pytest.mark.parametrize("kind", ["tarball", "git", "requirements-git", "requirements-file"])
def test_install_path_into_an_empty_collections_path(kind, tarball, clone, tmp_path):
    root, home, workdir = tmp_path / "collections", tmp_path / "home", tmp_path / "infra-repo"
    workdir.mkdir()
    env = isolated_env(root, home)
    args = _install(kind, tarball, clone, workdir)
    proc = run([tool("ansible-galaxy"), "collection", "install", "-p", root, *args], env=env, cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = root / "ansible_collections" / "failover" / "shared_ip"
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    assert manifest["version"] == galaxy()["version"]
    assert sorted(p.name for p in (root / "ansible_collections").iterdir()) == ["failover"], "installed more than one"

    proc = run([tool("ansible-doc"), "--json", f"{FQCN}.address"], env=env, cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    filename = json.loads(proc.stdout)[f"{FQCN}.address"]["doc"]["filename"]
    assert filename.startswith(str(installed) + "/"), filename

    # --list-tasks parses the whole playbook as a run would; the role it includes is the installed one.
    inventory = installed / "examples" / "inventory"
    proc = run([tool("ansible-playbook"), "-i", inventory, f"{FQCN}.site", "--list-tasks"], env=env, cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"playbook: {installed / 'playbooks' / 'site.yml'}" in proc.stdout
    assert "Run keepalived with the addresses the cloud half returned" in proc.stdout, proc.stdout
    proc = run([tool("ansible-doc"), "-t", "role", "--json", f"{FQCN}.keepalived_vip"], env=env, cwd=workdir)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[f"{FQCN}.keepalived_vip"]["path"] == str(installed)
