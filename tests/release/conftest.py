"""Fixtures of the release tests: the collection as a user gets it.

The tarball is built with `ansible-galaxy collection build` and installed with
`ansible-galaxy collection install` into an empty temporary path. Every Ansible
command of these tests then runs with ANSIBLE_COLLECTIONS_PATH pointing at that
path only, from a directory outside the repository, so that nothing is found in
the working tree.
"""

import socket
import subprocess
import sys
import tarfile
import threading

import pytest

from tests.release.helpers import LISTENING, REPO, galaxy, isolated_env, run, tool


@pytest.fixture(scope="session")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = run([tool("ansible-galaxy"), "collection", "build", "--output-path", out, REPO], cwd=out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = galaxy()
    path = out / f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"
    assert path.is_file(), f"build made {sorted(p.name for p in out.iterdir())}, not {path.name}"
    return path


@pytest.fixture(scope="session")
def tarball_names(tarball):
    with tarfile.open(tarball) as tar:
        return sorted(m.name for m in tar.getmembers())


@pytest.fixture(scope="session")
def installed(tarball, tmp_path_factory):
    """The empty path the tarball is installed into, and the environment that sees only it."""
    root = tmp_path_factory.mktemp("installed")
    home = tmp_path_factory.mktemp("ansible-home")
    env = isolated_env(root, home)
    proc = run([tool("ansible-galaxy"), "collection", "install", "-p", root, tarball], env=env, cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = root / "ansible_collections" / "failover" / "shared_ip"
    assert (path / "MANIFEST.json").is_file(), proc.stdout
    return {"root": root, "path": path, "env": env, "cwd": home}


@pytest.fixture(scope="session")
def playbook(installed, tmp_path_factory):
    """Run a playbook (YAML text, extra ansible-playbook arguments) with the installed collection only."""
    workdir = tmp_path_factory.mktemp("plays")
    counter = iter(range(1000))

    def _run(text, *args):
        path = workdir / f"play{next(counter)}.yml"
        path.write_text(text)
        return run([tool("ansible-playbook"), "-i", "localhost,", "-c", "local", path, *args],
                   env=installed["env"], cwd=workdir)

    return _run


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fakecloud():
    """The simulator as users start it: `python3 testbed/fakecloud --port PORT`; yields its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "testbed/fakecloud", "--port", str(port)], cwd=REPO,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines, ready = [], threading.Event()

    def drain():  # read every line, so that a chatty simulator never blocks on a full pipe
        for line in proc.stdout:
            lines.append(line)
            if "listening on http://127.0.0.1:" in line:
                ready.set()
        ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        ready.wait(timeout=30)
        match = next((m for m in map(LISTENING.search, lines) if m), None)
        if not match:
            pytest.fail(f"fakecloud did not say it was listening (rc={proc.poll()}): {''.join(lines)[-2000:]}")
        yield match.group(1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
