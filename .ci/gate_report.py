"""Run the static gates (yamllint, ansible-lint, ansible-test sanity) and list
every finding grouped by file, for the people who own the files.

usage: .venv/bin/python .ci/gate_report.py [OUTPUT_FILE]   (default: standard output)
The exit status is 1 when there is any finding.
"""

import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
FINDING = re.compile(r"^(?:ERROR: )?(?P<path>[\w./-]+):(?P<line>\d+):(?P<col>\d+): (?P<text>.*)$")
LINT_PATHS = ["roles", "playbooks", "molecule", "testbed/lab/molecule", "examples", "galaxy.yml", "meta/runtime.yml",
              "meta/execution-environment.yml", "changelogs/changelog.yaml"]


def run(name, cmd):
    env = dict(os.environ, NO_COLOR="1", ANSIBLE_NOCOLOR="1",
               PATH=f"{VENV_BIN}:{os.environ['PATH']}",
               ANSIBLE_COLLECTIONS_PATH=str(REPO / ".build" / "collections"))
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, check=False)
    took = time.monotonic() - start
    return name, proc, took


def main():
    lint_paths = [p for p in LINT_PATHS if (REPO / p).exists()]
    runs = [
        run("yamllint", ["yamllint", "--strict", "-f", "parsable", "."]),
        run("ansible-lint", ["ansible-lint", "--profile", "production", "-f", "pep8", "--nocolor", *lint_paths]),
        run("sanity", [str(REPO / ".ci" / "ansible-test"), "sanity", "--venv", "--requirements",
                       "--python", "3.11", "--color", "no"]),
    ]
    by_file = collections.defaultdict(list)
    other = []
    lines = [f"Gate report of {REPO} at {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}", ""]
    for name, proc, took in runs:
        count = 0
        for raw in (proc.stdout + "\n" + proc.stderr).splitlines():
            match = FINDING.match(raw.strip())
            if match and (REPO / match["path"]).exists():
                by_file[match["path"]].append(f"{match['line']}:{match['col']} [{name}] {match['text']}")
                count += 1
            elif name == "sanity" and raw.startswith("ERROR:") and not raw.startswith("ERROR: Found") \
                    and "See documentation" not in raw and "The 1 sanity test" not in raw \
                    and not re.match(r"ERROR: The \d+ sanity test", raw):
                other.append(f"[{name}] {raw}")
        verdict = "passed" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
        lines.append(f"{name:13} {verdict:18} {count:4} finding(s) {took:7.1f}s")
        if proc.returncode != 0 and count == 0:
            other.append(f"[{name}] exit {proc.returncode}, no finding parsed; last lines:")
            other.extend("    " + l for l in (proc.stdout + proc.stderr).strip().splitlines()[-15:])
    ignores = sorted((REPO / "tests" / "sanity").glob("ignore-*.txt"))
    entries = sum(1 for f in ignores for l in f.read_text().splitlines() if l.strip() and not l.startswith("#"))
    lines.append(f"sanity ignore entries: {entries} (in {', '.join(p.name for p in ignores) or 'no ignore file'})")
    total = sum(len(v) for v in by_file.values()) + len(other)
    lines += ["", f"{total} finding(s) in {len(by_file)} file(s)", ""]
    for path in sorted(by_file):
        lines.append(f"== {path} ({len(by_file[path])})")
        lines += ["   " + f for f in sorted(by_file[path], key=lambda s: int(s.split(":")[0]))]
        lines.append("")
    if other:
        lines.append("== not tied to a file")
        lines += ["   " + o for o in other]
    text = "\n".join(lines) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    sys.stdout.write(text)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
