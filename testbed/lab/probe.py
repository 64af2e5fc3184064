"""Client traffic probe: ICMP echo to one address every few ms; reports the longest silence.

Run inside the client namespace (`ip netns exec NS python3 probe.py ...`): it stops by itself after
--seconds, or earlier on SIGTERM/SIGINT, and writes one JSON object to --out (or stdout):
sent, received, lost, duplicates, longest_gap_ms (longest time between two replies, counting the
start as a reply), since_last_reply_ms, resumed (a reply came in the last 200 ms), started_at and
first_reply_at (wall clock, seconds; first_reply_at null without a reply), and gaps: every silence of at
least --gap-ms as [wall-clock start, milliseconds] (for the soak's loss per event).
Standalone on purpose: no import from the lab package.
"""

import argparse
import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time


def _checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def _socket(version):
    if version == 4:
        return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP), 8, 0
    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    return sock, 128, 129


MAX_SECONDS = 7200.0  # a probe stops by itself after two hours at most


def sent_index(seq, sent):
    """Which probe a reply answers: the latest of the `sent` so far whose 16-bit sequence number is `seq`
    (the number wraps after 65536 probes, 5.5 minutes at 5 ms)."""
    return sent - 1 - ((sent - 1 - seq) & 0xFFFF)


def probe(address, seconds, interval, stop, gap=1.0):
    version = ipaddress.ip_address(address).version
    sock, request, reply = _socket(version)
    sock.setblocking(False)
    ident = os.getpid() & 0xFFFF
    sent, seen, duplicates = 0, set(), 0
    start, wall_start, first = time.monotonic(), time.time(), None
    last_reply = start
    longest = 0.0
    gaps = []
    next_send = start
    while not stop() and time.monotonic() - start < seconds:
        now = time.monotonic()
        if now >= next_send:
            header = struct.pack("!BBHHH", request, 0, 0, ident, sent & 0xFFFF)
            packet = header if version == 6 else struct.pack("!BBHHH", request, 0, _checksum(header),
                                                             ident, sent & 0xFFFF)
            try:
                sock.sendto(packet, (address, 0))
            except OSError:
                pass  # no route / neighbour failed: counts as lost
            sent += 1
            next_send += interval
        ready, _writable, _exceptional = select.select([sock], [], [], max(0.0, min(next_send - time.monotonic(), 0.05)))
        if not ready:
            continue
        while True:
            try:
                data, source = sock.recvfrom(2048)
            except BlockingIOError:
                break
            icmp = data[(data[0] & 0x0F) * 4:] if version == 4 else data
            if len(icmp) < 8 or source[0] != address:
                continue
            kind, _icmp_code, _icmp_sum, rid, seq = struct.unpack("!BBHHH", icmp[:8])
            if kind != reply or rid != ident:
                continue
            index = sent_index(seq, sent)
            if index in seen:
                duplicates += 1
                continue
            seen.add(index)
            now = time.monotonic()
            first = now if first is None else first
            longest = max(longest, now - last_reply)
            if now - last_reply >= gap:
                gaps.append([round(wall_start + (last_reply - start), 3), round((now - last_reply) * 1000, 1)])
            last_reply = now
    end = time.monotonic()
    since_last = end - last_reply
    return {
        "address": address, "sent": sent, "received": len(seen), "lost": sent - len(seen),
        "duplicates": duplicates, "interval_ms": round(interval * 1000, 1),
        "duration_ms": round((end - start) * 1000, 1), "longest_gap_ms": round(longest * 1000, 1),
        "since_last_reply_ms": round(since_last * 1000, 1), "resumed": bool(seen) and since_last < 0.2,
        "started_at": wall_start, "first_reply_at": None if first is None else wall_start + (first - start),
        "gaps": gaps,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--gap-ms", type=float, default=1000.0, help="list silences at least this long")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    result = probe(args.address, min(args.seconds, MAX_SECONDS), args.interval_ms / 1000.0, lambda: bool(stopping),
                   args.gap_ms / 1000.0)
    text = json.dumps(result)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as handle:
            handle.write(text + "\n")
        os.replace(tmp, args.out)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
