"""failover.shared_ip.cluster in-process and through ansible-playbook (conftest `play`) against the simulator,
checked with plain HTTP:
the check / real / repeat triplet, grow, shrink, exclusive delete, diff, a failure half-way, and the
returned addresses taken by the role as they are."""
from __future__ import annotations

from pathlib import Path

import yaml

from tests.integration.conftest import ROOT, InProcess

NET = "cluster-net"
ROLE_SPEC = ROOT / "roles" / "keepalived_vip" / "meta" / "argument_specs.yml"


def run(play, cloud, cluster, check=False, diff=False, **extra):
    """Run cluster.yml once; (result, write calls of that run)."""
    cloud.reset_counters()
    out = play("cluster.yml", check=check, diff=diff, cluster=cluster, **extra)
    return out, cloud.writes()


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


def cluster(servers, *addresses, exclusive=None):
    spec = {"network": NET, "servers": list(servers), "addresses": [dict(a) for a in addresses]}
    if exclusive is not None:
        spec["exclusive"] = exclusive
    return spec


def everything(cloud):
    """The cloud as the tests see it: every shared IP on the network, with members and labels."""
    return sorted((a["address"], sorted(cloud.members(a["id"]).items())) for a in cloud.addresses(NET))


def triplet(play, cloud, spec, verify):
    """Check mode writes nothing and predicts the real run; the real run changes; the repeat (members
    listed in another order) neither changes nor writes."""
    before = everything(cloud)
    checked, writes = run(play, cloud, spec, check=True)
    ok(checked)
    assert checked["changed"] and checked["actions"]
    assert writes == {} and everything(cloud) == before

    real, writes = run(play, cloud, spec)
    ok(real)
    assert real["changed"] and writes
    assert real["actions"] == checked["actions"]
    for c, r in zip(checked["shared_ips"], real["shared_ips"]):
        same = dict(r)
        if c.get("id") is None:   # a create: the cloud has not picked these yet
            same.update((k, c.get(k)) for k in ("id", "address", "subnet_id"))
        assert c == same
    verify(real)

    again, writes = run(play, cloud, dict(spec, servers=list(reversed(spec["servers"]))))
    ok(again)
    assert not again["changed"] and again["actions"] == []
    assert writes == {}
    assert again["keepalived_vip_addresses"] == real["keepalived_vip_addresses"]
    return real


def assert_members(cloud, name, servers):
    """The shared IP labelled `name` is held and associated by exactly `servers`, each labelled with its id."""
    labels = cloud.labels(name)
    assert sorted(labels) == sorted(servers), labels
    (ip_id,) = set(labels.values())
    assert cloud.members(ip_id) == dict((s, "compute") for s in servers)
    return ip_id


# A cluster-net port holds 5 addresses, 2 of them its own fixed ones: 3 shared IPs per member at most.
ADDRESSES = [
    {"name": "web", "address": "192.168.100.150", "preferred": ["node02", "node01"]},   # on every member
    {"name": "api", "servers": ["node01", "node03"]},                                  # the cloud picks it
    {"name": "web6", "version": 6, "servers": ["node01", "node02"]},
    {"name": "admin", "servers": ["node02", "node03"], "preferred": ["node03"]},
]


def test_triplet_and_role_shape(play, cloud):
    spec = cluster(["node01", "node02", "node03"], *ADDRESSES)

    def verify(real):
        for item, shared_ip, vip in zip(ADDRESSES, real["shared_ips"], real["keepalived_vip_addresses"]):
            ip_id = assert_members(cloud, item["name"], item.get("servers", spec["servers"]))
            truth = cloud.address(NET, id=ip_id)
            assert shared_ip["id"] == ip_id and shared_ip["address"] == truth["address"]
            assert truth["version"] == item.get("version", 4)
            prefix = "/64" if truth["version"] == 6 else "/24"
            expected = {"name": item["name"], "address": truth["address"] + prefix}
            if "preferred" in item:
                expected["preferred"] = item["preferred"]
            assert vip == expected
        assert cloud.address(NET, address="192.168.100.150")["id"] == cloud.labels("web")["node01"]
        assert len(cloud.addresses(NET)) == len(ADDRESSES)

    real = triplet(play, cloud, spec, verify)
    role_takes(real["keepalived_vip_addresses"], spec["servers"])


def test_asked_address_next_to_one_the_cloud_picks(play, cloud):
    """192.168.100.100 is the address the cloud would pick next: asking for it in the same task as an
    address the cloud picks must still give each item what it asked for, on the first run."""
    spec = cluster(["node01", "node02"], {"name": "picked"}, {"name": "asked", "address": "192.168.100.100"})
    result, _writes = run(play, cloud, spec)
    ok(result)
    assert cloud.address(NET, address="192.168.100.100")["id"] == cloud.labels("asked")["node01"]
    assert cloud.address(NET, id=cloud.labels("picked")["node01"])["address"] != "192.168.100.100"


def role_takes(addresses, members, checks=None):
    """The role accepts the list as it is: its argument spec (meta/argument_specs.yml, as the role validates
    it on entry) and its plan (the vrrp_plan filter of its preflight) find nothing wrong."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.failover.shared_ip.plugins.filter.vrrp import vrrp_plan

    options = yaml.safe_load(Path(ROLE_SPEC).read_text())["argument_specs"]["main"]["options"]
    spec = {"keepalived_vip_addresses": options["keepalived_vip_addresses"]}
    validated = ArgumentSpecValidator(spec).validate({"keepalived_vip_addresses": addresses})
    assert not validated.error_messages, validated.error_messages
    assert validated.validated_parameters["keepalived_vip_addresses"] is not None
    sources = dict((m, {"ipv4": "192.0.2.%d" % n, "ipv6": "2001:db8::%d" % n}) for n, m in enumerate(members, 1))
    plan = vrrp_plan(addresses, members, sources=sources, checks=checks)
    assert plan["errors"] == []
    assert sorted(i["name"] for i in plan["instances"]) == sorted(a["name"] for a in addresses)


ROLE_SETTINGS = {"track": ["http"], "router_id": 77, "advert_int": 0.5, "preempt": False, "auth_pass": "s3cret",
                 "instance_extra": ["smtp_alert"]}


def test_role_settings_are_passed_on_unchanged(play, cloud):
    """One declaration holds both halves: the role's settings of an item come back unchanged in its
    keepalived_vip_addresses item, which the role's spec and planner still take (with the check it tracks)."""
    spec = cluster(["node01", "node02"], dict({"name": "web", "address": "192.168.100.150"}, **ROLE_SETTINGS),
                   {"name": "db", "address": "192.168.100.151", "router_id": 78})
    result, _writes = run(play, cloud, spec)
    vips = ok(result)["keepalived_vip_addresses"]
    assert vips == [dict({"name": "web", "address": "192.168.100.150/24"}, **ROLE_SETTINGS),
                    {"name": "db", "address": "192.168.100.151/24", "router_id": 78}]
    role_takes(vips, spec["servers"], checks=[{"name": "http", "type": "script", "script": "true"}])
    again, writes = run(play, cloud, spec)
    assert not ok(again)["changed"] and writes == {} and again["keepalived_vip_addresses"] == vips


def test_check_mode_on_an_empty_account_leaves_out_what_the_cloud_picks(play, cloud):
    """In check mode an address the cloud will pick is shown as such in the plan and the diff, left out of
    keepalived_vip_addresses (nothing to configure yet) and named in pending; a real run has no pending."""
    spec = cluster(["node01", "node02"], {"name": "web"}, {"name": "web6", "version": 6},
                   {"name": "api", "address": "192.168.100.150", "track": ["http"]})
    out, writes = run(play, cloud, spec, check=True, diff=True)
    assert writes == {} and cloud.addresses(NET) == []
    assert "web: create web (IPv4, address picked by the cloud) on cluster-net for node01, node02" in out["actions"]
    assert "web6: create web6 (IPv6, address picked by the cloud) on cluster-net for node01, node02" in out["actions"]
    assert out["diff"]["after"]["web"]["address"] == "(picked by the cloud)"
    assert out["keepalived_vip_addresses"] == [{"name": "api", "address": "192.168.100.150/24", "track": ["http"]}]
    assert [p["name"] for p in out["pending"]] == ["web", "web6"]
    assert all("the cloud picks" in p["reason"] for p in out["pending"])
    role_takes(out["keepalived_vip_addresses"], spec["servers"], checks=[{"name": "http", "type": "script",
                                                                         "script": "true"}])
    real, _writes = run(play, cloud, spec)
    assert ok(real)["pending"] == [] and [v["name"] for v in real["keepalived_vip_addresses"]] == ["web", "web6", "api"]


def test_grow_then_shrink(play, cloud):
    start = ["node01", "node02", "node03"]
    ok(run(play, cloud, cluster(start, *ADDRESSES))[0])
    ids = dict((a["name"], list(cloud.labels(a["name"]).values())[0]) for a in ADDRESSES)

    def members(spec):
        def verify(real):
            for item in spec["addresses"]:
                held = item.get("servers", spec["servers"])
                assert assert_members(cloud, item["name"], held) == ids[item["name"]]   # the same addresses
            for gone in set(start) - set(spec["servers"]):
                assert cloud.associated(gone) == []
                assert not any(gone in cloud.labels(a["name"]) for a in ADDRESSES)
            assert len(cloud.addresses(NET)) == len(ADDRESSES)
        return verify

    grown = cluster(["node01", "node02", "node03", "node04"], *ADDRESSES)
    real = triplet(play, cloud, grown, members(grown))
    assert "web: associate node04" in real["actions"]
    assert [a for a in real["actions"] if not a.startswith("web: ")] == []   # their own servers did not change

    moved = {"web": {"preferred": ["node02"]}, "api": {"servers": ["node03", "node04"]},
             "web6": {"servers": ["node02", "node04"]}}
    shrunk = cluster(["node02", "node03", "node04"], *[dict(a, **moved.get(a["name"], {})) for a in ADDRESSES])
    real = triplet(play, cloud, shrunk, members(shrunk))
    web = [a for a in real["actions"] if a.startswith("web: ")]
    assert web.index("web: disassociate node01") < web.index("web: set ports to node02, node03, node04")


def test_exclusive_deletes_only_this_clusters_unlisted_addresses(play, cloud):
    servers = ["node01", "node02", "node03"]
    listed = [a for a in ADDRESSES if a["name"] != "admin"]      # node02 keeps room for one more address
    ok(run(play, cloud, cluster(servers, *listed))[0])
    # Not this cluster's: on other servers, and on one member plus an outsider.
    out = play("address.yml", shared_ips=[{"network": NET, "name": "other", "servers": ["node05", "node06"]},
                                          {"network": NET, "name": "mixed", "servers": ["node02", "node07"]}])
    assert not any(r.get("failed") for r in out["results"]), [r.get("msg") for r in out["results"]]
    kept = [a for a in listed if a["name"] != "web6"]
    dropped = cloud.labels("web6")["node01"]

    # Without exclusive, an address no longer listed is left alone.
    result, writes = run(play, cloud, cluster(servers, *kept))
    assert not ok(result)["changed"] and writes == {} and result["deleted"] == []

    def verify(real):
        assert real["deleted"] == ["web6"]
        left = [a["id"] for a in cloud.addresses(NET)]
        assert dropped not in left and len(left) == 4
        assert cloud.labels("web6") == {}
        assert_members(cloud, "web", servers)
        assert_members(cloud, "api", ["node01", "node03"])
        assert_members(cloud, "other", ["node05", "node06"])
        assert_members(cloud, "mixed", ["node02", "node07"])

    triplet(play, cloud, cluster(servers, *kept, exclusive=True), verify)


def test_diff_shows_each_address_before_and_after(playbook, cloud):
    """Through ansible-playbook (the setup in-process): --diff shows each address's members to the user."""
    ok(run(InProcess(playbook.sim), cloud, cluster(["node01", "node02"], {"name": "web", "address": "192.168.100.100"}))[0])
    out, writes = run(playbook, cloud, cluster(["node02", "node03"], {"name": "web", "address": "192.168.100.100"}),
                      check=True, diff=True)
    assert writes == {}
    diff = out["diff"]
    diffs = diff if isinstance(diff, list) else [diff]
    text = repr(diffs)
    assert "node01" in text and "node03" in text
    assert "node01" in out["_stdout"] and "node03" in out["_stdout"]     # shown to the user with --diff


def test_failure_half_way_says_what_was_done_and_a_rerun_converges(play, cloud):
    servers = ["node01", "node02", "node03"]
    node02 = cloud.servers()["node02"]["id"]
    cloud.faults(fail_next=[{"method": "PUT", "path_regex": "/servers/%s/ip_associations/" % node02,
                             "status": 503, "times": 200}])
    spec = cluster(servers, {"name": "web", "address": "192.168.100.100"}, {"name": "db", "address": "192.168.100.101"})
    out = play("cluster.yml", cluster=spec)
    cloud.sim("DELETE", "faults")
    assert out["failed"] and "Traceback" not in out["msg"]
    assert out["failure"]["status"] == 503
    assert any("associate node02" in step for step in out["not_done"])
    assert any("associate node01" in step for step in out["done"])
    assert out["msg"].rstrip().endswith("Run again to converge.")
    again, _writes = run(play, cloud, spec)
    ok(again)
    assert sorted(a for a in again["actions"] if "associate" in a) == ["db: associate node02", "web: associate node02"]
    for name in ("web", "db"):
        assert_members(cloud, name, servers)
    assert len(cloud.addresses(NET)) == 2                  # nothing created twice
    _noop, writes = run(play, cloud, spec)
    assert writes == {}


def test_one_login_and_no_write_on_a_no_op_with_auth(play, cloud):
    spec = cluster(["node%02d" % n for n in range(1, 11)], {"name": "web", "address": "192.168.100.100"},
                   {"name": "db", "address": "192.168.100.101"})
    ok(run(play, cloud, spec, use_auth=True)[0])
    result, writes = run(play, cloud, spec, use_auth=True)
    assert not ok(result)["changed"] and writes == {}
    counters = cloud.counters()
    assert counters["by_route"].get("POST /v2.0/tokens") == 1
    assert set(counters["by_method"]) == {"GET", "POST"}
