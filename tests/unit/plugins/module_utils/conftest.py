# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client and cloud tests get their fixtures (``cloud_sim``, ``sim``, ``sleeps``, ``client_for``) from
client_support.py here, once, so that each test file imports only the helpers it calls. A test file that
drives a module instead imports module_support's ``sim`` and ``simulator``, which take precedence there."""

from ansible_collections.failover.shared_ip.tests.unit.plugins.module_utils.client_support import (  # noqa: F401  # pylint: disable=unused-import
    client_for,
    cloud_sim,
    sim,
    sleeps,
)
