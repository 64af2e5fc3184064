"""Parsing tcpdump text into announcements (no lab needed)."""

from testbed.lab.capture import parse

MAC1 = "4a:dd:a4:21:2e:72"
LINES = f"""\
1795637019.351743 {MAC1} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.168.100.100 tell 192.168.100.100, length 28
1795637019.351800 {MAC1} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: \
Request who-has 192.168.100.101 (ff:ff:ff:ff:ff:ff) tell 192.168.100.101, length 28
1795637019.351900 {MAC1} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 192.168.100.12 tell 192.168.100.11, length 28
1795637019.352000 {MAC1} > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Reply 192.168.100.100 is-at {MAC1}, length 28
1795637019.352100 {MAC1} > c6:88:fc:e4:aa:f1, ethertype ARP (0x0806), length 42: Reply 192.168.100.11 is-at {MAC1}, length 28
1795637019.351885 {MAC1} > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: \
fd00:100::100 > ff02::1: ICMP6, neighbor advertisement, tgt is fd00:100::100, length 32
1795637019.351990 {MAC1} > c6:88:fc:e4:aa:f1, ethertype IPv6 (0x86dd), length 86: \
fd00:100::11 > fd00:100::12: ICMP6, neighbor advertisement, tgt is fd00:100::11, length 32
reading from file x.pcap, link-type EN10MB (Ethernet)
"""


def test_only_announcements_are_kept_in_wire_order():
    seen = parse(LINES)
    assert [(e["kind"], e["address"]) for e in seen] == [
        ("garp", "192.168.100.100"), ("garp", "192.168.100.101"), ("garp", "192.168.100.100"),
        ("na", "fd00:100::100"),
    ]
    assert {e["mac"] for e in seen} == {MAC1}
    assert seen[0]["time"] == 1795637019.351743


def test_solicited_traffic_is_not_an_announcement():
    assert parse(LINES.splitlines()[2] + "\n" + LINES.splitlines()[4] + "\n" + LINES.splitlines()[6]) == []
