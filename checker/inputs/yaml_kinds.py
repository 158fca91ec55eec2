"""What a YAML document is, besides compose files and Kubernetes objects (decided in load.py).

    classify(display path, data) -> "prometheus" | "prometheus-rules" | "alertmanager" | "logging"
                                   | "grafana" | "github-workflow" | "helm-values" | "yaml"

Decided from the file's place and name first, then from its top-level keys.
"yaml" means: parsed, but no rule reads it.
"""
from __future__ import annotations

from typing import Any


def classify(display: str, data: Any) -> str:
    return "yaml"
