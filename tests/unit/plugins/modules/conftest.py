# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cloud modules' tests get their simulator fixtures (``simulator``, ``sim``) from module_support.py
here, once, so that each test file imports only the helpers it calls."""

from ansible_collections.failover.shared_ip.tests.unit.plugins.modules.module_support import (  # noqa: F401  # pylint: disable=unused-import
    sim,
    simulator,
)
