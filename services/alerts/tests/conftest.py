from __future__ import annotations

import sys
from pathlib import Path

# The test kit is a module beside these tests (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))

from alerts_testkit import alerts_app, feed_server, harness  # noqa: E402, F401
