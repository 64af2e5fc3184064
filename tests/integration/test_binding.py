"""failover.shared_ip.binding in-process and through ansible-playbook: the triplets, refusals, and ten hosts at
once (forks; in-process: ten forked processes)."""
from __future__ import annotations

import pytest

from tests.integration.conftest import names

WEB = {"network": "cluster-net", "name": "web"}


@pytest.fixture
def web(play, cloud):
    """A shared IP named web on node01 and node02; returns its id."""
    out = play("address.yml", shared_ips=[dict(WEB, servers=["node01", "node02"])])
    assert not out["results"][0].get("failed"), out["results"][0].get("msg")
    return cloud.labels("web")["node01"]


def bind(play, cloud, state, check=False, **binding):
    cloud.reset_counters()
    out = play("binding.yml", check=check, bindings=[dict(binding, server="node03", state=state)])
    result = out["localhost"]["results"][0]
    return result, cloud.writes()


def test_present_then_absent_triplets(play, cloud, web):
    for state, members, labelled in (("present", ["node01", "node02", "node03"], True),
                                     ("absent", ["node01", "node02"], False)):
        before = cloud.members(web)
        checked, writes = bind(play, cloud, state, check=True, name="web")
        assert checked["changed"] and not checked.get("failed"), checked.get("msg")
        assert writes == {} and cloud.members(web) == before

        real, writes = bind(play, cloud, state, name="web")
        assert real["changed"] and not real.get("failed"), real.get("msg")
        assert real["actions"] == checked["actions"]
        assert real["shared_ip"] == checked["shared_ip"]
        assert cloud.members(web) == dict((s, "compute") for s in members)
        assert ("node03" in cloud.labels("web")) == labelled
        assert cloud.associated("node03") == (["192.168.100.100"] if labelled else [])

        again, writes = bind(play, cloud, state, name="web")
        assert not again["changed"] and again["actions"] == [] and writes == {}


@pytest.mark.parametrize("identity", ["id", "address"])
def test_found_by_id_or_address(play, cloud, web, identity):
    ident = {"id": web, "address": cloud.address(id=web)["address"]}[identity]
    real, _writes = bind(play, cloud, "present", **{identity: ident})
    assert real["changed"] and real["shared_ip"]["name"] == "web"
    assert cloud.members(web) == dict((s, "compute") for s in ("node01", "node02", "node03"))
    assert cloud.labels("web")["node03"] == web


def test_present_without_associate(play, cloud, web):
    result, writes = bind(play, cloud, "present", id=web, associate=False)
    assert result["actions"] == ["set ports to node01, node02, node03", "label node03 failover-shared-ip:web"]
    assert cloud.members(web) == {"node01": "compute", "node02": "compute", "node03": "none"}


REFUSALS = [
    ({"name": "nothing", "server": "node03"}, "name=nothing: no such shared IP; create it with failover.shared_ip.address"),
    ({"id": "6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11", "server": "node03"},
     "id=6a0e4bd9-6a27-4f0a-9bd4-3d4f2a4c0f11: no such shared IP; create it with failover.shared_ip.address"),
    ({"id": "web", "server": "node03"}, "id=web: not a UUID (expected 8-4-4-4-12 hexadecimal digits)"),
    ({"name": "web", "server": "node99"}, "server=node99: no such server; did you mean node09?"),
    ({"name": "web", "server": "solo"}, "server=solo: server has no port on network cluster-net"),
    ({"server": "node03"}, "one of the following is required: id, address, name"),
]


def test_refusals(play, cloud, web):
    cloud.reset_counters()
    out = play("binding.yml", bindings=[item for item, _msg in REFUSALS])
    writes = cloud.writes()
    results = out["localhost"]["results"]
    assert [r["msg"] for r in results] == [m for _item, m in REFUSALS]
    assert all(r["failed"] for r in results)
    assert writes == {}
    assert cloud.members(web) == {"node01": "compute", "node02": "compute"}


def test_ten_hosts_at_once(play, cloud, web, tmp_path, capsys):
    """Every member runs binding for itself at the same moment (forks 10), round after round."""
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[members]\n" + "".join("%s ansible_connection=local\n" % n for n in names(10)))
    rounds = ["present", "absent", "present", "present"]
    for number, state in enumerate(rounds, 1):
        cloud.reset_counters()
        out = play("binding.yml", inventory=inventory, forks=10, target="members",
                   bindings=[{"name": "web", "state": state}])
        writes = cloud.writes()
        results = dict((host, r["results"][0]) for host, r in out.items() if not host.startswith("_"))
        assert sorted(results) == names(10)
        failed = dict((h, r["msg"]) for h, r in results.items() if r.get("failed"))
        assert failed == {}
        members = cloud.members(web)
        with capsys.disabled():
            print("\nround %d (%s): %d writes, attempts per host %s"
                  % (number, state, sum(writes.values()),
                     sorted(r.get("attempts", 0) for r in results.values())))
        if state == "present":
            assert members == dict((n, "compute") for n in names(10))
            assert cloud.labels("web") == dict((n, web) for n in names(10))
            assert all(cloud.associated(n) == ["192.168.100.100"] for n in names(10))
        else:
            # The cloud keeps at least one port: the last host's stays (disassociated, still labelled).
            assert set(members.values()) == {"none"}
            assert len(members) == 1
            assert cloud.labels("web") == dict((n, web) for n in members), "the last member keeps the name"
            assert all(cloud.associated(n) == [] for n in names(10))
        if number == 4:
            assert writes == {} and not any(r["changed"] for r in results.values())
