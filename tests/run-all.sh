#!/usr/bin/env bash
# The whole test suite, gate by gate: what `make test` and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest tests
