from __future__ import annotations

import sys
from pathlib import Path

# tests import `helpers` as a plain module
sys.path.insert(0, str(Path(__file__).resolve().parent))
