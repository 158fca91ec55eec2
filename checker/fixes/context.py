"""What fixers read: each file's text, lines, YAML documents and nginx tree, read once per run."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from checker.fixes import NotOffered
from checker.models import Report

SECRETS_FILE = ".env.production.local"
MAX_BYTES = 4 * 1024 * 1024  # the scanner's own limit for one input is far below this


def split_lines(text: str) -> list[str]:
    """Lines with their endings; only \\n ends a line (str.splitlines also splits on \\f and \\u2028)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


class Context:
    def __init__(self, report: Report, secrets_to: str | None = None) -> None:
        self.report = report
        self.secrets_to = secrets_to
        self._texts: dict[str, str] = {}
        self._nodes: dict[str, list[yaml.Node]] = {}
        self._data: dict[str, list[Any]] = {}
        self._nginx: dict[str, dict[str, Any]] = {}
        self._accounts: set[str] | None = None

    def text(self, file: str) -> str:
        if file not in self._texts:
            path = Path(file)
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
                raise NotOffered("not a regular file")
            try:
                self._texts[file] = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                raise NotOffered("not UTF-8") from None
        return self._texts[file]

    def secrets_file(self, file: str) -> Path:
        """Where generated values for `file` go: --secrets-to, else .env.production.local beside it."""
        return Path(self.secrets_to).resolve() if self.secrets_to else Path(file).resolve().parent / SECRETS_FILE

    def lines(self, file: str) -> list[str]:
        return [line.rstrip("\n").removesuffix("\r") for line in split_lines(self.text(file))]

    def nodes(self, file: str) -> list[yaml.Node]:
        from checker.fixes._yaml_edit import compose

        if file not in self._nodes:
            self._nodes[file] = compose(self.text(file))
        return self._nodes[file]

    def data(self, file: str) -> list[Any]:
        """A fresh copy of the file's YAML documents (callers may change it)."""
        from checker.fixes._yaml_edit import load_all

        if file not in self._data:
            self._data[file] = load_all(self.text(file))
        return copy.deepcopy(self._data[file])

    def nginx(self, file: str) -> dict[str, Any]:
        from checker.fixes.nginx import parse

        if file not in self._nginx:
            self._nginx[file] = parse(file, self.text(file))
        return self._nginx[file]

    def bound_service_accounts(self) -> set[str]:
        """Service accounts that a RoleBinding or ClusterRoleBinding in the scanned files names."""
        if self._accounts is None:
            self._accounts = set()
            from checker.inputs.discover import discover

            # every YAML file scanned, not only those with findings: a binding may sit in a file of its own
            files = {c.display for c in discover(list(self.report.paths), []) if c.kind not in ("symlink", "special")}
            files |= {r.location.file for r in self.report.results if r.location and r.location.file}
            for file in sorted(f for f in files if f.endswith((".yaml", ".yml"))):
                try:
                    documents = self.data(file)
                except NotOffered:
                    continue
                for data in documents:
                    for item in [data] + list((data.get("items") or []) if isinstance(data, dict) else []):
                        if isinstance(item, dict) and item.get("kind") in ("RoleBinding", "ClusterRoleBinding"):
                            for subject in item.get("subjects") or []:
                                if isinstance(subject, dict) and subject.get("kind") == "ServiceAccount":
                                    self._accounts.add(str(subject.get("name")))
        return self._accounts
