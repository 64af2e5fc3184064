"""Bad input, table-driven: every case fails before any write, with a message naming the option and value.

All cases run in ONE generated playbook (a task per case, ignore_errors, register) after one setup
play, so the table costs two ansible-playbook runs; and, first, each case's module in-process (conftest
`InProcess`, what `make check` runs; the ansible-playbook run is its `twin`). Between cases a marker request
(`GET /_marker/<n>`, a path the simulator answers 404 and logs) is sent, so the simulator's request log tells
exactly which case made which call: each case is then asserted on its own (one pytest item per case)
for: failed, message names the option and the value (and, for identity conflicts, both sides), no
traceback or module output junk, and zero writes.

Cases whose check is not implemented yet fail here: that is the point of the table.
"""
from __future__ import annotations

import fcntl
import json
import re

import pytest
import requests
import yaml

from ansible_collections.failover.shared_ip.plugins.modules import address, address_info, auth, binding, cluster
from testbed.fakecloud import SERVICENET_ID, start
from tests.integration.cloudcheck import CloudCheck
from tests.integration.conftest import InProcess, Play, lab_fixture

MODULE_OF = {"address": address, "binding": binding, "address_info": address_info, "auth": auth, "cluster": cluster}
MODULES = tuple(MODULE_OF)

# What every module needs besides the bad option, so that only the bad option is wrong.
BASE = {
    "address": {"network": "cluster-net", "name": "fresh", "servers": ["node09", "node10"]},
    "binding": {"name": "web", "server": "node09"},
    "address_info": {"network": "cluster-net"},
    "auth": {},
    "cluster": {"network": "cluster-net", "servers": ["node09", "node10"], "addresses": [{"name": "fresh"}]},
}

# The cloud the stateful cases meet (made by one setup play through the address module):
#   web   192.168.100.100 on node01, node02          db 192.168.100.101 on node03, node04
#   (no name) 192.168.100.120 on node07, node08      www on PublicNet, node01 and node02 (zone A)
#   full0..full2 on node05, node06: their cluster-net ports hold 2 fixed + 3 shared = 5, the limit.
#   fullport (fixture): its cluster-net port holds 5 fixed addresses and no shared one.
SETUP = [
    {"network": "cluster-net", "name": "web", "address": "192.168.100.100", "servers": ["node01", "node02"]},
    {"network": "cluster-net", "name": "db", "address": "192.168.100.101", "servers": ["node03", "node04"]},
    {"network": "cluster-net", "address": "192.168.100.120", "servers": ["node07", "node08"]},
    {"network": "public", "name": "www", "servers": ["node01", "node02"]},
] + [{"network": "cluster-net", "name": "full%d" % n, "servers": ["node05", "node06"]} for n in range(3)]


def case(cid, module, args, option, value, *also, base=True):
    """One bad input: `args` on top of the module's BASE (unless base=False); the message must name
    `option` and `value` (and each of `also`; "{id:web}" stands for web's id once the setup ran)."""
    full = dict(BASE[module], **args) if base else dict(args)
    return pytest.param(module, full, option, value, also, id=cid)


# Connection options are shared: every module refuses the same bad values the same way.
CONNECTION = []
for _m in MODULES:
    CONNECTION += [
        case(_m + "-timeout-0", _m, {"timeout": 0}, "timeout", "0"),
        case(_m + "-timeout-negative", _m, {"timeout": -1}, "timeout", "-1"),
        case(_m + "-timeout-not-a-number", _m, {"timeout": "soon"}, "timeout", "soon"),
        case(_m + "-identity-url-without-scheme", _m, {"identity_url": "identity.example.com/v2.0"},
             "identity_url", "identity.example.com/v2.0"),
        case(_m + "-identity-url-ftp", _m, {"identity_url": "ftp://identity.example.com/v2.0"},
             "identity_url", "ftp://identity.example.com/v2.0"),
        case(_m + "-validate-certs-not-a-bool", _m, {"validate_certs": "perhaps"}, "validate_certs", "perhaps"),
    ]

ADDRESS = [
    case("address-servers-empty", "address", {"servers": []}, "servers", "[]"),
    case("address-one-server", "address", {"servers": ["node09"]}, "servers", "node09"),
    case("address-unknown-server", "address", {"servers": ["node09", "node99"]}, "servers", "node99"),
    case("address-server-without-port", "address", {"servers": ["node09", "solo"]}, "servers", "solo"),
    case("address-servicenet-private", "address", {"network": "private"}, "network", "private"),
    case("address-servicenet-name", "address", {"network": "servicenet"}, "network", "servicenet"),
    case("address-servicenet-uuid", "address", {"network": SERVICENET_ID}, "network", SERVICENET_ID),
    case("address-unknown-network", "address", {"network": "nowhere"}, "network", "nowhere"),
    case("address-network-address", "address", {"address": "192.168.100.0"}, "address", "192.168.100.0"),
    case("address-broadcast-address", "address", {"address": "192.168.100.255"}, "address", "192.168.100.255"),
    case("address-member-own-fixed-v4", "address", {"address": "192.168.100.19"}, "address", "192.168.100.19"),
    case("address-member-own-fixed-v6", "address", {"address": "fd00:100::20", "version": 6},
         "address", "fd00:100::20"),
    case("address-other-server-fixed", "address", {"address": "192.168.100.11"}, "address", "192.168.100.11"),
    case("address-not-an-ip", "address", {"address": "192.168.100.300"}, "address", "192.168.100.300"),
    case("address-outside-subnet", "address", {"address": "10.9.9.9"}, "address", "10.9.9.9"),
    case("address-v6-with-version-4", "address", {"address": "fd00:100::99", "version": 4},
         "address", "fd00:100::99"),
    case("address-version-choice", "address", {"version": 5}, "version", "5"),
    case("address-version-v6-on-v4-net", "address", {"network": "v4-net", "servers": ["node01", "node02"],
                                                     "version": 6}, "version", "6"),
    case("address-state-choice", "address", {"state": "maybe"}, "state", "maybe"),
    case("address-associate-not-a-bool", "address", {"associate": "perhaps"}, "associate", "perhaps"),
    case("address-id-not-uuid", "address", {"id": "not-a-uuid"}, "id", "not-a-uuid"),
    case("address-ports-not-uuid", "address", {"network": "cluster-net", "ports": ["not-a-uuid", "also-bad"]},
         "ports", "not-a-uuid", base=False),
    case("address-publicnet-specific-address", "address", {"network": "public", "address": "203.0.113.200",
                                                           "servers": ["node01", "node02"]},
         "address", "203.0.113.200"),
    case("address-publicnet-two-zones", "address", {"network": "public", "name": "www2"},
         "servers", "node10"),
    case("address-name-too-long", "address", {"name": "n" * 300}, "name", "n" * 40),
    case("address-port-limit-on-create", "address", {"servers": ["node05", "node09"]}, "servers", "node05"),
    case("address-port-limit-from-fixed-ips", "address", {"servers": ["fullport", "node09"]},
         "servers", "fullport"),
    case("address-port-limit-on-grow", "address", {"name": "web", "address": "192.168.100.100",
                                                   "servers": ["node01", "node02", "node05"]}, "servers", "node05"),
]

BINDING = [
    case("binding-attempts-0", "binding", {"attempts": 0}, "attempts", "0"),
    case("binding-attempts-negative", "binding", {"attempts": -1}, "attempts", "-1"),
    case("binding-unknown-server", "binding", {"server": "node99"}, "server", "node99"),
    case("binding-server-without-port", "binding", {"server": "solo"}, "server", "solo"),
    case("binding-unknown-name", "binding", {"name": "nothing"}, "name", "nothing"),
    case("binding-id-not-uuid", "binding", {"id": "not-a-uuid", "server": "node09"}, "id", "not-a-uuid",
         base=False),
    case("binding-address-not-an-ip", "binding", {"address": "192.168.100.300", "server": "node09"},
         "address", "192.168.100.300", base=False),
    case("binding-state-choice", "binding", {"state": "maybe"}, "state", "maybe"),
    case("binding-associate-not-a-bool", "binding", {"associate": "perhaps"}, "associate", "perhaps"),
    case("binding-port-limit-on-grow", "binding", {"server": "node05"}, "server", "node05"),
    case("binding-port-limit-from-fixed-ips", "binding", {"server": "fullport"}, "server", "fullport"),
    case("binding-publicnet-other-zone", "binding", {"name": "www", "server": "node10"}, "server", "node10"),
]

ADDRESS_INFO = [
    case("address_info-unknown-network", "address_info", {"network": "nowhere"}, "network", "nowhere"),
    case("address_info-id-not-uuid", "address_info", {"id": "not-a-uuid"}, "id", "not-a-uuid", base=False),
    case("address_info-address-not-an-ip", "address_info", {"address": "192.168.100.300"},
         "address", "192.168.100.300", base=False),
    case("address_info-unknown-server", "address_info", {"server": "node99"}, "server", "node99", base=False),
]

AUTH = [
    case("auth-unknown-region", "auth", {"region": "XYZ"}, "region", "XYZ"),
    case("auth-identity-404-names-url", "auth", {"identity_url": "{sim}/nowhere/v2.0"},
         "identity_url", "{sim}/nowhere/v2.0"),
    case("auth-credentials-file-missing", "auth", {"credentials": "/nonexistent/pyrax.ini"},
         "credentials", "/nonexistent/pyrax.ini"),
]

CLUSTER = [
    case("cluster-servers-empty", "cluster", {"servers": []}, "servers", "[]"),
    case("cluster-unknown-server", "cluster", {"servers": ["node09", "node99"]}, "servers", "node99"),
    case("cluster-servicenet-private", "cluster", {"network": "private"}, "network", "private"),
    case("cluster-unknown-network", "cluster", {"network": "nowhere"}, "network", "nowhere"),
    case("cluster-exclusive-not-a-bool", "cluster", {"exclusive": "perhaps"}, "exclusive", "perhaps"),
    case("cluster-address-version-choice", "cluster", {"addresses": [{"name": "fresh", "version": 5}]},
         "version", "5"),
    case("cluster-address-associate-not-a-bool", "cluster",
         {"addresses": [{"name": "fresh", "associate": "perhaps"}]}, "associate", "perhaps"),
    case("cluster-address-broadcast", "cluster", {"addresses": [{"name": "fresh", "address": "192.168.100.255"}]},
         "address", "192.168.100.255"),
    case("cluster-address-member-own-fixed", "cluster",
         {"addresses": [{"name": "fresh", "address": "192.168.100.19"}]}, "address", "192.168.100.19"),
    case("cluster-address-servers-not-members", "cluster",
         {"addresses": [{"name": "fresh", "servers": ["node09", "node03"]}]}, "servers", "node03"),
    case("cluster-duplicate-names", "cluster", {"addresses": [{"name": "twice"}, {"name": "twice"}]},
         "name", "twice"),
    case("cluster-duplicate-addresses", "cluster",
         {"addresses": [{"name": "one", "address": "192.168.100.130"}, {"name": "two", "address": "192.168.100.130"}]},
         "address", "192.168.100.130"),
    case("cluster-port-limit-four-addresses", "cluster",
         {"addresses": [{"name": "c%d" % n} for n in range(4)]}, "addresses", "node09"),
    case("cluster-port-limit-on-grow", "cluster",
         {"servers": ["node01", "node02", "node05"], "addresses": [{"name": "web", "address": "192.168.100.100"}]},
         "servers", "node05"),
    case("cluster-publicnet-two-zones", "cluster", {"network": "public", "addresses": [{"name": "www2"}]},
         "servers", "node10"),
    # The role's settings of an item, checked against the role's spec before any call.
    case("cluster-role-setting-unknown", "cluster",
         {"addresses": [{"name": "fresh"}, {"name": "more", "trak": ["http"]}]}, "addresses[1].trak", "http",
         "track"),
    case("cluster-role-setting-router-id-not-a-number", "cluster",
         {"addresses": [{"name": "fresh", "router_id": "one"}]}, "addresses[0].router_id", "one"),
    case("cluster-role-setting-track-not-a-list", "cluster",
         {"addresses": [{"name": "fresh", "track": {"http": 1}}]}, "addresses[0].track", "http"),
    case("cluster-role-setting-vrrp-version-choice", "cluster",
         {"addresses": [{"name": "fresh", "vrrp_version": 4}]}, "addresses[0].vrrp_version", "4"),
    case("cluster-role-setting-preempt-not-a-bool", "cluster",
         {"addresses": [{"name": "fresh", "preempt": "perhaps"}]}, "addresses[0].preempt", "perhaps"),
    case("cluster-role-setting-advert-int-not-a-number", "cluster",
         {"addresses": [{"name": "fresh", "advert_int": "fast"}]}, "addresses[0].advert_int", "fast"),
]

# Identity: no task may take over or orphan another address. Last in the playbook: a case that is not
# refused yet relabels the cloud, and the cases above must not meet that.
IDENTITY = [
    case("address-name-and-address-point-apart", "address",
         {"name": "db", "address": "192.168.100.100", "servers": ["node03", "node04"]},
         "name", "db", "192.168.100.100", "{id:web}", "{id:db}"),
    case("address-changed-address-of-named-ip", "address",
         {"name": "web", "address": "192.168.100.150", "servers": ["node01", "node02"]},
         "address", "192.168.100.150", "web", "192.168.100.100", "{id:web}"),
    case("address-id-and-name-point-apart", "address",
         {"id": "{id:web}", "name": "db", "servers": ["node01", "node02"]},
         "name", "db", "{id:web}", "{id:db}"),
    case("binding-name-and-address-point-apart", "binding", {"address": "192.168.100.101"},
         "name", "web", "192.168.100.101", "{id:web}", "{id:db}"),
    case("cluster-name-and-address-point-apart", "cluster",
         {"servers": ["node03", "node04"], "addresses": [{"name": "db", "address": "192.168.100.100"}]},
         "name", "db", "192.168.100.100", "{id:web}", "{id:db}"),
    case("cluster-changed-address-of-named-ip", "cluster",
         {"servers": ["node01", "node02"], "addresses": [{"name": "web", "address": "192.168.100.150"}]},
         "address", "192.168.100.150", "web", "192.168.100.100"),
    # A shared IP of another network, named by id or by address: another service's, refused before any write
    # (today's fault was 3 writes: both of www's members disassociated, then the cloud refused).
    case("address-id-of-another-network", "address",
         {"id": "{id:www}", "servers": ["node03", "node04"]}, "id", "{id:www}", "public", "network=cluster-net"),
    case("address-address-of-another-network", "address",
         {"address": "{id:www-address}", "servers": ["node03", "node04"]}, "address", "{id:www-address}", "public",
         "network=cluster-net"),
    case("cluster-address-of-another-network", "cluster",
         {"servers": ["node03", "node04"], "addresses": [{"name": "web2", "address": "{id:www-address}"}]},
         "addresses[0].address", "{id:www-address}", "public", "network=cluster-net"),
    case("address-name-given-to-second-address", "address",
         {"name": "web", "address": "192.168.100.120", "servers": ["node07", "node08"]},
         "name", "web", "192.168.100.120", "{id:web}", "{id:unnamed}"),
]

CASES = CONNECTION + ADDRESS + BINDING + ADDRESS_INFO + AUTH + CLUSTER + IDENTITY


def _fill(value, ids, sim_url):
    """Put the setup's ids and the simulator's URL into a case's args or expectations."""
    if isinstance(value, str):
        for key, ip_id in ids.items():
            value = value.replace("{id:%s}" % key, ip_id)
        return value.replace("{sim}", sim_url)
    if isinstance(value, list):
        return [_fill(v, ids, sim_url) for v in value]
    if isinstance(value, dict):
        return dict((k, _fill(v, ids, sim_url)) for k, v in value.items())
    return value


def _playbook(path, cases, identity_url, sim_url):
    """A play with one task per case and a marker request after each; the results go to result_file."""
    tasks = []
    for n, (module, args) in enumerate(cases):
        tasks.append({"name": "case %d" % n, "failover.shared_ip." + module: args,
                      "register": "case_%d" % n, "ignore_errors": True})
        tasks.append({"name": "marker %d" % n, "ansible.builtin.debug": {
            "msg": "{{ lookup('ansible.builtin.url', '%s/_marker/%d', errors='ignore') }}" % (sim_url, n)},
            "changed_when": False})
    tasks.append({"name": "Keep the results", "ansible.builtin.copy": {
        "content": "{{ {'results': [%s]} | to_json }}" % ", ".join("case_%d" % n for n in range(len(cases))),
        "dest": "{{ result_file }}", "mode": "0600"}})
    path.write_text(yaml.safe_dump([{
        "name": "Bad input", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "module_defaults": {"group/failover.shared_ip.cloud": {"identity_url": identity_url}},
        "tasks": tasks}], sort_keys=False))
    return path


def _per_case_calls(log, count):
    """[calls of case n]: the log cut at the marker requests."""
    calls, current = [[] for _n in range(count)], []
    for entry in log:
        marker = re.search(r"/_marker/(\d+)$", entry["path"])
        if marker:
            calls[int(marker.group(1))] = current
            current = []
        else:
            current.append(entry)
    return calls


def _in_process(play, cases, sim_url):
    """Every case's module in this process, a marker request after each; what each registered."""
    results = []
    for n, (module, args) in enumerate(cases):
        results.append(play.module(MODULE_OF[module], dict({"identity_url": play.sim.identity_url}, **args)))
        requests.get("%s/_marker/%d" % (sim_url, n), timeout=10)
    return {"results": results}


def run_table(tmp, engine):
    """Start a simulator (internal view hidden, as tenants of the real cloud see it: the refusals come
    before any write, so one mode is enough), set the cloud up, run every case: in-process, or in one
    playbook."""
    sim = start(port=0, fixture=lab_fixture(), internal_view=False)
    try:
        cloud = CloudCheck(sim.url)
        cloud.reset_state()
        play = InProcess(sim) if engine == "in-process" else Play(sim, tmp)
        setup = play("address.yml", shared_ips=SETUP)
        failed = [r.get("msg") for r in setup["results"] if r.get("failed")]
        assert not failed, "the setup failed: %s" % failed
        ids = dict((name, list(cloud.labels(name).values())[0]) for name in ("web", "db"))
        ids["unnamed"] = cloud.address(address="192.168.100.120")["id"]
        www = cloud.address("PublicNet", id=cloud.labels("www")["node01"])
        ids["www"], ids["www-address"] = www["id"], www["address"]
        cases = [(p.values[0], _fill(p.values[1], ids, sim.url)) for p in CASES]
        cloud.reset_counters()
        if engine == "in-process":
            out = _in_process(play, cases, sim.url)
        else:
            # One playbook holds every case: its bound grows with them (a loaded machine takes seconds a task).
            out = play(str(_playbook(tmp / "bad-input.yml", cases, sim.identity_url, sim.url)), timeout=15 * len(cases))
        calls = _per_case_calls(cloud.sim("GET", "log"), len(cases))
        return {"results": out["results"], "calls": calls, "ids": ids, "sim_url": sim.url}
    finally:
        sim.stop()


@pytest.fixture(scope="module", params=["in-process", pytest.param("ansible-playbook", marks=pytest.mark.twin)])
def bad_input_run(request, tmp_path_factory, worker_id):
    """The table's one run per engine. Under pytest-xdist the cases spread over the workers: the first worker
    to get here runs the table, the others wait for its results (a file beside their temporary directories)."""
    engine = request.param
    tmp = tmp_path_factory.mktemp("bad-input")
    if worker_id == "master":
        return run_table(tmp, engine)
    shared = tmp_path_factory.getbasetemp().parent / ("bad-input-results-%s.json" % engine)
    with open(str(shared) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not shared.exists():
            shared.write_text(json.dumps(run_table(tmp, engine)))
        return json.loads(shared.read_text())


def test_table_is_large_and_distinct():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 60
    assert len(set((p.values[0], json.dumps(p.values[1], sort_keys=True)) for p in CASES)) == len(CASES)
    assert set(p.values[0] for p in CASES) == set(MODULES)


def _names(msg, text):
    """`text` appears in `msg` as a value (a short one such as 0 or -1 only as a whole token)."""
    if len(text) <= 2:
        return re.search(r"(?<![\w.-])%s(?![\w.])" % re.escape(text), msg) is not None
    return text in msg


WRITES = ("POST", "PUT", "DELETE", "PATCH")


@pytest.mark.parametrize("n", range(len(CASES)), ids=[p.id for p in CASES])
def test_bad_input_fails_clearly_before_any_write(bad_input_run, n):
    module, _args, option, value, also = CASES[n].values
    result = bad_input_run["results"][n]
    msg = str(result.get("msg", ""))
    writes = ["%s %s -> %s" % (e["method"], e["path"], e["status"]) for e in bad_input_run["calls"][n]
              if e["method"] in WRITES and not e["path"].endswith("/tokens")]
    problems = []
    if not result.get("failed"):
        problems.append("did not fail (changed=%s)" % result.get("changed"))
    if writes:
        problems.append("wrote to the cloud: %s" % "; ".join(writes))
    # Ansible puts "exception": "(traceback unavailable)" on every fail_json; a crash has a real traceback
    # there, or output of its own beside the result.
    junk = [k for k in ("module_stdout", "module_stderr") if result.get(k)]
    junk += [k for k in ("exception", "msg") if "Traceback" in str(result.get(k, ""))]
    if junk or "MODULE FAILURE" in msg:
        problems.append("crashed (%s)" % (", ".join(junk) or "MODULE FAILURE"))
    for text in (option, value) + tuple(also):
        text = _fill(text, bad_input_run["ids"], bad_input_run["sim_url"])
        if not _names(msg, text):
            problems.append("message does not name %r" % text)
    assert not problems, "%s: %s\n    msg: %s" % (module, "; ".join(problems), msg)
