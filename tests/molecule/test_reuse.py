"""molecule/reuse/README.md, followed as a user would: a throwaway role repository built from its steps alone.

Every file of the repository comes from a README block headed by its path in bold; the repository's
directory is named as the README's tree names it; the commands are the README's "Run it" block, run
with this checkout's virtualenv as $VIRTUAL_ENV. One change: requirements.yml takes the collection
from a tarball built from this checkout instead of the README's git URL. HOME is a fresh directory,
so that the run shows that nothing is installed into ~/.ansible/collections (a short path: ssh's
control sockets live under it, and a socket path has at most 107 bytes).
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent.parent
README = REPO / "molecule" / "reuse" / "README.md"
LAB = os.environ.get("FSIP_ROLEREPO_LAB", "rolerepo")  # at most 10 characters; another name: two checkouts

FILE_BLOCK = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\*\n\n```\w*\n(?P<text>.*?)^```$", re.M | re.S)


def readme_steps(text):
    """The repository's directory name, its files {path: text}, and the commands of "Run it"."""
    tree = text.split("## The repository", 1)[1].split("```", 2)[1]
    directory = tree.strip().splitlines()[0].split()[0].rstrip("/")
    files = {m["path"]: m["text"] for m in FILE_BLOCK.finditer(text)}
    run = text.split("## Run it", 1)[1]
    commands = re.search(r"^```shell\n(.*?)^```$", run, re.M | re.S).group(1)
    return directory, files, commands


def test_the_readme_names_every_file_of_its_tree():
    directory, files, commands = readme_steps(README.read_text())
    tree = README.read_text().split("## The repository", 1)[1].split("```", 2)[1]
    named = [line.split("──", 1)[1].split()[0] for line in tree.splitlines() if "──" in line]
    leaves = [Path(name).name for name in named if not name.endswith("/")]
    assert sorted(Path(path).name for path in files) == sorted(leaves)
    assert directory == "webapp" and "molecule test" in commands


@pytest.mark.lab
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root")
def test_a_role_repository_built_from_the_readme_passes_its_molecule_test(tmp_path):
    directory, files, commands = readme_steps(README.read_text())
    dist = tmp_path / "dist"
    built = subprocess.run([REPO / ".venv" / "bin" / "ansible-galaxy", "collection", "build", "--output-path", dist,
                            REPO], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = next(dist.glob("failover-shared_ip-*.tar.gz"))

    role = tmp_path / directory
    for path, text in files.items():
        (role / path).parent.mkdir(parents=True, exist_ok=True)
        (role / path).write_text(text)
    requirements = role / "molecule" / "default" / "requirements.yml"
    wanted = yaml.safe_load(requirements.read_text())
    assert [c["name"] for c in wanted["collections"]] == ["git+https://github.com/failover/shared_ip.git"]
    requirements.write_text(yaml.safe_dump({"collections": [{"name": str(tarball), "type": "file"}]}))

    home = Path(tempfile.mkdtemp(prefix="fsip-home-"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("ANSIBLE_", "MOLECULE_", "FSIP_", "PY_COLORS"))}
    env.update(HOME=str(home), VIRTUAL_ENV=str(REPO / ".venv"), FSIP_LAB_NAME=LAB, NO_COLOR="1",
               ANSIBLE_NOCOLOR="1")
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if not p.startswith(str(REPO)))
    start = time.monotonic()
    try:
        proc = subprocess.run(["bash", "-euc", commands], cwd=role, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=1800, check=False)
    finally:
        subprocess.run([REPO / ".venv" / "bin" / "python", "-m", "testbed.lab", "--name", LAB, "down"], cwd=REPO,
                       capture_output=True, check=False)
        installed_elsewhere = sorted(str(p) for p in home.glob(".ansible/collections/ansible_collections/*/*"))
        shutil.rmtree(home, ignore_errors=True)
    took = time.monotonic() - start
    print(f"molecule test of the throwaway role repository: {took:.0f} s")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    assert "Now only node01 holds webapp" in out, out[-3000:]
    assert installed_elsewhere == [], "collections went to ~/.ansible/collections"
