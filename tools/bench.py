"""`make bench`: how fast and how quiet the collection is. Prints a table, saves bench-results.json.

Control plane (always; alone with --control-plane): a no-op per shared IP in accounts of 10, 1,000 and
5,000 servers; the seed's 10 servers / 8 shared IPs as one `cluster` task against 8 `address` tasks at
50 ms added per API call, cold and as a no-op re-run (tools/bench_cloud.py); an `address` task failing on a refused
connection beside a ping task (tools/bench_refused.py; alone: `python -m tools.bench_refused`, a few seconds). Data
plane (as root, in the lab): the role's converge and idempotent re-run times against a floor; for each timer profile
of the role (tools/bench_profiles.py) the client's loss on hard failovers (v4, v6), on planned moves and failing
checks and the time they take to settle, spurious transitions under load (a short soak), keepalived's CPU and the
packets per second per address.
Every figure is the median of several runs, with min and max. Nothing here asserts a time.
"""

import argparse
import json
import os
import signal
import sys
import time

from tools.bench_cloud import bench_control_plane, control_plane_report
from tools.paths import ROOT, ensure_importable
from tools.progress import fail, step

RESULTS = ROOT / "bench-results.json"


def _stop(signum, frame):
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--latency-ms", type=int, default=50, help="added latency per API call (default 50)")
    parser.add_argument("--cloud-runs", type=int, default=2,
                        help="runs per control-plane figure (default 2: the cloud part stays within minutes)")
    parser.add_argument("--control-plane", action="store_true", help="skip the lab figures")
    parser.add_argument("--cuts", type=int, default=20, help="hard cuts per timer profile (default 20)")
    parser.add_argument("--moves", type=int, default=5,
                        help="drains and failing checks (and back) per timer profile (default 5)")
    parser.add_argument("--soak-minutes", type=int, default=2, help="soak under load per timer profile (default 2)")
    args = parser.parse_args(argv)
    ensure_importable()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    results = {"runs": args.runs, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    started = time.monotonic()
    try:
        results["control_plane"] = bench_control_plane(runs=args.cloud_runs, latency_ms=args.latency_ms)
        if args.control_plane:
            results["data_plane"] = {"skipped": "asked for with --control-plane"}
        elif os.geteuid() != 0:
            results["data_plane"] = {"skipped": "not root: the lab needs root"}
        else:
            from tools.bench_lab import bench_data_plane
            results["data_plane"] = bench_data_plane(runs=args.runs, cuts=args.cuts, moves=args.moves,
                                                     soak_minutes=args.soak_minutes)
    except KeyboardInterrupt as stop:
        fail(f"interrupted ({stop or 'SIGINT'}); cleaned up, nothing saved")
        return 130
    except Exception as err:  # noqa: BLE001 - one readable line, non-zero exit
        fail(str(err))
        return 1
    results["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(control_plane_report(results["control_plane"], args.cloud_runs))
    dp = results["data_plane"]
    print()
    if "skipped" in dp:
        print(f"Data plane: skipped ({dp['skipped']})")
    else:
        from tools.bench_lab import data_plane_report
        print(data_plane_report(dp, args.runs))
    print()
    step(f"Saved {RESULTS.relative_to(ROOT)} ({results['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
