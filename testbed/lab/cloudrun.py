"""A cloud simulator (testbed/fakecloud) owned by a lab, for callers that have no process of their own to
keep one in (molecule's create/destroy playbooks).

    python3 cloudrun.py --state-dir STATE_DIR [--port N]

Listens on 127.0.0.1 (a free port unless --port), writes {"url", "pid"} to STATE_DIR/cloud.json once it
accepts connections, and serves until SIGTERM/SIGINT or until STATE_DIR goes away (`down` removes it and
stops this process first: its command line holds the state dir).
"""

import argparse
import json
import os
import signal
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, REPO)
    from testbed.fakecloud import start

    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    sim = start(port=args.port)
    try:
        path = os.path.join(args.state_dir, "cloud.json")
        with open(path + ".tmp", "w") as out:
            json.dump({"url": sim.url, "pid": os.getpid()}, out)
        os.replace(path + ".tmp", path)
        print(f"fakecloud listening on {sim.url}", flush=True)
        while not stopping and os.path.isdir(args.state_dir):
            time.sleep(0.2)
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
