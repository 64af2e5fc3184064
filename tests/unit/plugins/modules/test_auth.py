# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""failover.shared_ip.auth in-process against the real simulator."""

from __future__ import absolute_import, division, print_function

import requests

from ansible_collections.failover.shared_ip.plugins.modules import address, auth
from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import PAIR, counters, login, run


def test_token_from_auth_skips_identity_and_check_mode_writes_nothing(sim, capsys):
    token = run(auth, login(sim), capsys)["auth"]
    requests.post(sim.url + "/_sim/reset", timeout=10)
    planned = run(address, dict(PAIR, identity_url=sim.identity_url, **token), capsys, check=True)
    assert planned["changed"] and planned["shared_ip"]["id"] is None
    assert set(counters(sim)["by_method"]) == {"GET"}
    done = run(address, dict(PAIR, identity_url=sim.identity_url, **token), capsys)
    assert done["actions"] == planned["actions"]
    assert "POST /v2.0/tokens" not in counters(sim)["by_route"]
