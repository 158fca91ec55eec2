"""Is a YAML file a Helm / Go template? YAML first: only a file YAML cannot read may be one.

    chart_template(display)     the file sits in a Helm chart's `templates/` folder (a `Chart.yaml` beside it)
    template_line(text)         the first line with `{{` outside quoted strings, comments and block scalars

A file is judged as a template (a `skip`, never silently) when it is in a
chart's `templates/`, or when it does not parse as YAML *and* carries template
syntax where YAML itself would see it. `{{ $labels.instance }}` in a
Prometheus annotation, `${{ github.sha }}` in a workflow or `{{` in a values
file's comment are data: the file parses, and is read like any other.
`${{x}}` is a build-script placeholder, not a Go template.
"""
from __future__ import annotations

import re
from pathlib import Path

_OPEN = re.compile(r"(?<!\$)\{\{")
_BLOCK_SCALAR = re.compile(r"(^|[:\-]\s+|^\s*)[|>][+-]?[0-9]?\s*(#.*)?$")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'")
_COMMENT = re.compile(r"(^|\s)#.*$")


def chart_template(display: str) -> bool:
    parts = Path(display).parts
    if "templates" not in parts[:-1]:
        return False
    index = len(parts) - 2 - parts[-2::-1].index("templates")  # the nearest templates/ above the file
    chart = Path(*parts[:index]) if index else Path(".")
    return (chart / "Chart.yaml").is_file() or (chart / "Chart.yml").is_file()


def template_line(text: str) -> tuple[int, str] | None:
    """(line number, line) of the first template action YAML would see as syntax, or None."""
    block_indent: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue  # inside a `|` / `>` block scalar: text, not syntax
            block_indent = None
        bare = _COMMENT.sub("", _QUOTED.sub('""', line))
        if _OPEN.search(bare):
            return number, line.strip()
        if _BLOCK_SCALAR.search(bare.rstrip()):
            block_indent = indent
    return None
