"""The refused-connection figure (tools/bench_refused.py) through a real ansible-playbook run: every task of
its playbook is timed, the address tasks fail on the refused connection and say which URL refused."""

from tools.bench_refused import bench_refused, refused_report
from tools.playbook import local_inventory


def test_the_figure_times_each_task_and_the_address_tasks_fail_on_the_refused_url(tmp_path):
    figures = bench_refused(local_inventory(tmp_path / "inventory.yml"), runs=1)
    assert list(figures["tasks"]) == ["Ping, first use", "Address, refused, first use", "Ping, again",
                                      "Address, refused, again"]
    assert all(s["median"] > 0 for s in figures["tasks"].values())
    log = (tmp_path / "refused-1.log").read_text()
    assert log.count("fatal: [localhost]: FAILED!") == 2
    assert "POST /v2.0/tokens: ConnectionError: [Errno 111] Connection refused (http://127.0.0.1:" in log
    assert "Address, refused, again" in refused_report(figures)
