"""The port-security watcher: polls the simulator's state and keeps the lab bridge's allowed sets equal to it.

    python3 watch.py --lab NAME --log STATE_DIR/portsec.log --url URL --config STATE_DIR/portsec.json

Started by the lab (testbed/lab/lab.py) once the table exists, before the first member boots; stopped by
`down` (its command line holds the state dir). Also stops by itself when the lab's namespace or state
dir goes away. Every change it applies is one JSON line in --log: {time, applied_ms, allowed}. While the
simulator does not answer, the sets keep their last contents (a line says so once).
Standalone on purpose: stdlib and portsec.py only.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portsec  # noqa: E402  (standalone: imported from this directory)

INTERVAL = 0.05  # 50 ms between reads: a change reaches the bridge well within 200 ms


def _log(path, record):
    with open(path, "a") as out:
        out.write(json.dumps(record) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--config", required=True, help="JSON: netns, nft (argv), members, fixed, region, network")
    parser.add_argument("--log", required=True)
    parser.add_argument("--interval", type=float, default=INTERVAL)
    args = parser.parse_args(argv)
    config = json.loads(open(args.config).read())
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    applied, cloud_down = config.get("allowed"), False
    state_dir = os.path.dirname(os.path.abspath(args.log))
    while not stopping and os.path.exists(f"/run/netns/{config['netns']}") and os.path.isdir(state_dir):
        started = time.time()
        try:
            state = portsec.read_state(args.url, timeout=1.0)
            wanted = {m: {"v4": p["v4"], "v6": p["v6"]} for m, p in portsec.plan(
                state, config["members"], config["fixed"], config["region"], config["network"]).items()}
        except (portsec.CloudUnavailable, portsec.NotAServer) as exc:
            if not cloud_down:
                _log(args.log, {"time": started, "error": str(exc), "note": "the sets keep their last contents"})
            cloud_down = True
            time.sleep(max(args.interval, 0.5))
            continue
        cloud_down = False
        if wanted != applied:
            proc = subprocess.run(["ip", "netns", "exec", config["netns"], *config["nft"], "-f", "-"],
                                  input=portsec.set_update(args.lab, wanted), text=True, capture_output=True,
                                  timeout=10, check=False)
            if proc.returncode == 0:
                applied = wanted
                _log(args.log, {"time": time.time(), "read_at": started,
                                "applied_ms": round((time.time() - started) * 1000, 1), "allowed": wanted})
            else:
                _log(args.log, {"time": time.time(), "error": proc.stderr.strip()})
        time.sleep(max(0.0, args.interval - (time.time() - started)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
