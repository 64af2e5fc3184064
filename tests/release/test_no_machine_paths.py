"""Nothing machine-specific ships: no absolute path of a workstation or CI machine.

A path into root's or someone's home directory, a workspace, or the checkout's own location means
a file was written for one machine (or generated there) and is wrong everywhere
else. Paths the collection manages on hosts (/var/lib/keepalived-vip, /etc/...)
are not machine-specific and are not matched.
"""

import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.release.helpers import REPO

# A directory of people or of one machine's workspace, at the start of a path
# (not the root folder of a process under /proc, not overlayfs' upper, work and merged).
START = r"(?<![\w}.~/$-])"
PRIVATE_ROOTS = START + r"/(?:root|home|Users|work)/"


def _offending_lines(name, text):
    needles = {str(REPO)}
    home = str(Path.home())
    if home not in ("/", ""):
        needles.add(home + "/")
    pattern = re.compile("|".join([PRIVATE_ROOTS] + [START + re.escape(n) for n in sorted(needles)]))
    return [f"{name}:{number}: {line.strip()[:160]}"
            for number, line in enumerate(text.splitlines(), 1) if pattern.search(line)]


def _text(data):
    if b"\0" in data[:4096]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_the_pattern_finds_private_paths_and_spares_host_paths():
    sample = ["a {s}root/.ssh/id", "b '{s}home/alice/x'", "c `{s}work/shared/api.md`",
              "d {s}var/lib/keepalived-vip", "e {s}proc/{{pid}}/root/sys", "f upper/work/merged"]
    found = _offending_lines("x", "\n".join(line.format(s="/") for line in sample))
    assert [line.split(":")[1] for line in found] == ["1", "2", "3"]


def test_the_tarball_names_no_machine_path(tarball):
    offending = []
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if member.isfile():
                text = _text(tar.extractfile(member).read())
                if text is not None:
                    offending += _offending_lines(member.name, text)
    assert not offending, "machine-specific paths in the tarball:\n" + "\n".join(offending)


def test_the_repository_names_no_machine_path():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    offending = []
    for name in filter(None, files):
        path = REPO / name
        if path.is_file() and not path.is_symlink():
            text = _text(path.read_bytes())
            if text is not None:
                offending += _offending_lines(name, text)
    assert not offending, "machine-specific paths in the repository:\n" + "\n".join(offending)
