"""SEC-700 (regions outside the EU/EEA) and SEC-701 (external endpoints over plain http): what each one reports, where."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths


def _failures(tmp_path: Path, rule: str, text: str) -> list[tuple[int, str]]:
    (tmp_path / ".env.production").write_text(text)
    report = scan_paths([str(tmp_path)], select=[rule])
    return [(r.location.line, r.message) for r in report.results if r.status == "fail" and r.location]


def test_sec700_reports_each_region_outside_the_eu_at_its_line(tmp_path: Path) -> None:
    found = _failures(tmp_path, "SEC-700", "S3_REGION=eu-central-1\nAWS_REGION=us-east-1\nGCP_REGION=europe-west4\n")
    assert [line for line, _ in found] == [2]
    assert "us-east-1" in found[0][1]


def test_sec701_reports_plain_http_to_an_outside_host_but_not_an_internal_name(tmp_path: Path) -> None:
    found = _failures(tmp_path, "SEC-701", "PAYMENTS_BASE_URL=http://api.payments.example.com\n"
                                          "SEARCH_ENDPOINT=http://search:9200\nMAIL_BASE_URL=https://mail.example.com\n")
    assert [line for line, _ in found] == [1]
