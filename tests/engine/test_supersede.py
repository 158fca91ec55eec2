"""One cause, one finding: SEC-004 and SEC-006 stay quiet where SEC-001/002/003/009 already fail (issue 14)."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths


def _by_rule(tmp_path: Path, text: str) -> dict[str, list[tuple[str, str | None]]]:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text(text, encoding="utf-8")
    report = scan_paths([str(folder)], select=["SEC-001", "SEC-002", "SEC-003", "SEC-004", "SEC-006", "SEC-009"])
    found: dict[str, list[tuple[str, str | None]]] = {}
    for r in report.results:
        found.setdefault(r.rule_id, []).append((r.status, r.reason))
    return found


def test_a_known_default_inline_is_one_finding_not_three(tmp_path: Path) -> None:
    found = _by_rule(tmp_path, "services:\n  db:\n    image: postgres:16.4\n    environment:\n      POSTGRES_PASSWORD: postgres\n")
    assert found["SEC-001"] == [("fail", None)]
    assert found["SEC-006"] == [("skip", "superseded")]


def test_a_short_low_entropy_password_is_reported_by_one_weak_value_rule_only(tmp_path: Path) -> None:
    found = _by_rule(tmp_path, "services:\n  grafana:\n    image: grafana/grafana:11.2.0\n    environment:\n"
                               "      GF_SECURITY_ADMIN_PASSWORD: foobarfoo\n")
    weak = [rule for rule in ("SEC-001", "SEC-002", "SEC-003", "SEC-009") if ("fail", None) in found.get(rule, [])]
    assert weak == ["SEC-009"]  # made of the word `foobar`: the dictionary rule's, not also the length rule's
    assert all(status != "fail" for status, _ in found.get("SEC-004", []) + found.get("SEC-006", []))


def test_an_inline_strong_secret_is_still_reported(tmp_path: Path) -> None:
    found = _by_rule(tmp_path, "services:\n  app:\n    image: ghcr.io/example/app:1.0.0\n    environment:\n"
                               "      API_SECRET: q7Vn2pR9tLx4mK8sW3zY6bH1\n")
    assert found["SEC-006"] == [("fail", None)]
