"""Where things are: the repository, the venv's tools, the collection path Ansible needs."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLLECTIONS = ROOT / ".build" / "collections"
WORK = ROOT / ".build" / "tools"
PLAYBOOK = ROOT / "playbooks" / "site.yml"


def ansible_env(extra=None):
    """The environment every ansible-* command of the tools runs with."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    env.update(extra or {})
    return env


def ensure_importable():
    """Let the tools import the collection and the test libraries (testbed.fakecloud, testbed.lab)."""
    for path in (str(ROOT), str(COLLECTIONS)):
        if path not in sys.path:
            sys.path.insert(0, path)
