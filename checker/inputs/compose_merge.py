"""The Compose specification's merge rules, with the origin of every merged value.

    merged = Merge(sources)            sources: the Documents merged, in order
    merged.file(index, data, tags)     merge one more file's model on top (tags: paths written `!reset` / `!override`)
    merged.origin(path)                (source index, path in that source) of the file that set the value

Rules (compose-spec `merge.md`): mappings merge key by key, the later file
winning on conflicts; sequences append; `command`, `entrypoint` and
`healthcheck.test` are replaced, not appended; `ports`, `volumes`, `secrets`
and `configs` are unique by their target (ports by ip + published + target +
protocol): a later entry with the same key replaces the earlier one;
`environment` arrives as a mapping (inputs/compose.py); `labels`,
`depends_on`, `networks`... written as a list on one side and a mapping on the
other are merged as mappings. `!reset` removes a value, `!override` replaces
it whole.
"""
from __future__ import annotations

from typing import Any

from checker.inputs.document import Document
from checker.inputs.paths import Path

REPLACED = {("command",), ("entrypoint",), ("healthcheck", "test")}
UNIQUE = {"ports", "volumes", "secrets", "configs"}
MAPPING_OR_LIST = {"labels", "depends_on", "networks", "extra_hosts", "sysctls", "annotations", "ulimits", "environment"}

Origin = tuple[int, Path]


class Merge:
    def __init__(self, sources: list[Document]) -> None:
        self.sources = sources
        self.data: Any = {}
        self.origins: dict[Path, Origin] = {}
        self.forward: dict[tuple[int, Path], Path] = {}

    def file(self, index: int, data: Any, tags: dict[Path, str]) -> None:
        if not self.origins:
            self.data = _copy(data)
            self._mark(index, (), ())
            return
        self.data = self._merge(self.data, data, (), (), index, tags)

    def origin(self, path: Path) -> Origin:
        for end in range(len(path), -1, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found[0], found[1] + path[end:]
        return 0, path

    def merged_path(self, index: int, source_path: Path) -> Path | None:
        """Where a value of source `index` landed in the merged model (for its unset-variable reports)."""
        for end in range(len(source_path), -1, -1):
            found = self.forward.get((index, source_path[:end]))
            if found is not None:
                return found + source_path[end:]
        return None

    def _mark(self, index: int, merged: Path, source: Path) -> None:
        self.origins[merged] = (index, source)
        self.forward[(index, source)] = merged

    def _merge(self, base: Any, over: Any, merged: Path, source: Path, index: int, tags: dict[Path, str]) -> Any:
        tag = tags.get(source)
        if tag == "!override" or not isinstance(base, (dict, list)) or _replaced(merged):
            self._forget(merged)  # what the earlier files wrote below here is gone
            self._mark(index, merged, source)
            return _copy(over)
        if isinstance(base, list) and isinstance(over, dict) or isinstance(base, dict) and isinstance(over, list):
            if merged and merged[-1] in MAPPING_OR_LIST:
                base, over = _as_mapping(base), _as_mapping(over)
        if isinstance(base, dict) and isinstance(over, dict):
            result = dict(base)
            for key, value in over.items():
                child, child_source = merged + (key,), source + (key,)
                if tags.get(child_source) == "!reset":
                    result.pop(key, None)
                    self._forget(child)
                    continue
                if key in result and value is not None:
                    result[key] = self._merge(result[key], value, child, child_source, index, tags)
                elif key not in result or value is not None or not isinstance(result[key], (dict, list)):
                    result[key] = _copy(value)
                    self._mark(index, child, child_source)
            return result
        if isinstance(base, list) and isinstance(over, list):
            result_list = list(base)
            unique = merged[-1] if merged and merged[-1] in UNIQUE and len(merged) == 3 else None
            for position, item in enumerate(over):
                key = _unique_key(unique, item) if unique else None
                at = next((i for i, old in enumerate(result_list) if key is not None and _unique_key(unique, old) == key), None)
                if at is None:
                    at = len(result_list)
                    result_list.append(_copy(item))
                else:
                    result_list[at] = _copy(item)
                    self._forget(merged + (at,))
                self._mark(index, merged + (at,), source + (position,))
            return result_list
        self._forget(merged)
        self._mark(index, merged, source)
        return _copy(over)

    def _forget(self, path: Path) -> None:
        for known in [p for p in self.origins if p[: len(path)] == path]:
            del self.origins[known]


def _replaced(merged: Path) -> bool:
    return len(merged) >= 3 and merged[0] == "services" and tuple(merged[2:]) in REPLACED


def _as_mapping(value: Any) -> dict[Any, Any]:
    if isinstance(value, dict):
        return value
    result: dict[Any, Any] = {}
    for item in value if isinstance(value, list) else []:
        text = str(item)
        key, has_value, rest = text.partition("=") if "=" in text else text.partition(":")
        result[key.strip()] = rest if has_value else None
    return result


def _unique_key(attribute: str | None, item: Any) -> Any:
    if attribute == "ports":
        if isinstance(item, dict):
            return (str(item.get("host_ip", "")), str(item.get("published", "")), str(item.get("target", "")), str(item.get("protocol", "tcp")))
        text = str(item)
        text, _, protocol = text.partition("/")
        parts = text.rsplit(":", 2)
        target = parts[-1]
        published = parts[-2] if len(parts) >= 2 else ""
        ip = parts[-3] if len(parts) == 3 else ""
        return (ip, published, target, protocol or "tcp")
    if isinstance(item, dict):
        return str(item.get("target") or item.get("source") or item)
    text = str(item)
    if attribute == "volumes":
        parts = text.split(":")
        return parts[1] if len(parts) >= 2 else parts[0]
    return text  # secrets / configs short syntax: the name, mounted at /run/secrets/<name>


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_copy(child) for child in value]
    return value


def tags_of(doc: Document) -> dict[Path, str]:
    """Paths whose value is written `!reset` or `!override` (the YAML loader keeps no tags: read from the text)."""
    if "!reset" not in doc.text and "!override" not in doc.text:
        return {}
    lines = doc.text.splitlines()
    found: dict[Path, str] = {}
    for path, (line, column) in doc.positions.items():
        if not path or not 0 < line <= len(lines):
            continue
        after = lines[line - 1][column - 1:]
        key, colon, rest = after.partition(":")
        for tag in ("!reset", "!override"):
            if colon and rest.lstrip().startswith(tag) and key.strip().strip("'\"") == str(path[-1]):
                found[path] = tag
    return found
