# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_http: how calls are named (from the version segment) and where the next page is fetched."""

from ansible_collections.failover.shared_ip.plugins.module_utils._http import display_root, next_href


def test_display_root_starts_at_the_version_segment():
    assert display_root("http://127.0.0.1:8080/network/DFW/v2.0") == "/v2.0"
    assert display_root("https://dfw.servers.api.rackspacecloud.com/v2/123456") == "/v2/123456"
    assert display_root("https://identity.api.rackspacecloud.com/v2.0/") == "/v2.0"


def test_next_page_stays_on_the_configured_host():
    links = [{"rel": "self", "href": "x"},
             {"rel": "next", "href": "https://dfw.networks.internal/network/DFW/v2.0/ports?limit=100&marker=abc"}]
    assert next_href(links, "http://127.0.0.1:9/network/DFW/v2.0") == \
        "http://127.0.0.1:9/network/DFW/v2.0/ports?limit=100&marker=abc"
    assert next_href([{"rel": "previous", "href": "/a"}], "http://h/v2.0") is None
    assert next_href(None, "http://h/v2.0") is None
