"""preflight: a pre-deployment checklist and compliance scanner."""
from __future__ import annotations

__version__ = "0.1.0"
