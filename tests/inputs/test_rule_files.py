"""Rule files a Prometheus config names are read whatever their names (issue 14: `alert.rules`)."""
from __future__ import annotations

from pathlib import Path

from checker.inputs.rule_files import named_rule_files
from helpers import FIXTURES, run_rule

STACK = FIXTURES / "MON-201" / "pass-rules-named-by-prometheus"
CONFIG = STACK / "prometheus" / "prometheus.yml"


def _named(*entries: str) -> list[str]:
    return sorted(display for _, display in named_rule_files(CONFIG, {"rule_files": list(entries)}, "prometheus/prometheus.yml"))


def test_a_relative_entry_resolves_beside_the_config() -> None:
    assert _named("alert.rules") == ["prometheus/alert.rules"]


def test_a_glob_in_the_last_part() -> None:
    assert _named("rules/*.rules") == ["prometheus/rules/latency.rules"]


def test_a_container_path_is_found_by_its_longest_tail_beside_the_config() -> None:
    assert _named("/etc/prometheus/rules/*.rules") == ["prometheus/rules/latency.rules"]
    assert _named("/etc/prometheus/alert.rules") == ["prometheus/alert.rules"]


def test_missing_files_and_non_strings_are_ignored() -> None:
    assert _named("nothing.rules", "/etc/prometheus/none/*.alerts") == []
    assert named_rule_files(CONFIG, {"rule_files": [None, 3, ""]}, "p.yml") == []
    assert named_rule_files(CONFIG, {"rule_files": "alert.rules"}, "p.yml") == []


def test_a_path_outside_the_config_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secret.rules").write_text("groups: []\n")
    (tmp_path / "prom").mkdir()
    config = tmp_path / "prom" / "prometheus.yml"
    assert named_rule_files(config, {"rule_files": ["../secret.rules", "../*.rules", str(tmp_path / "secret.rules")]},
                            "prom/prometheus.yml") == []


def test_the_alerts_of_non_yml_rule_files_count() -> None:
    (r,) = run_rule("MON-201", STACK)
    assert (r.status, r.message) == ("pass", "2 alerting rules in 2 file(s)")
    (latency,) = run_rule("MON-204", STACK)
    assert (latency.status, latency.message) == ("pass", "alert ApiSlow watches latency")
