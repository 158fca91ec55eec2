"""YAML first: `{{` in strings and comments is data; only unparsable files with template syntax are templates."""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from checker.inputs.discover import discover
from checker.inputs.load import load
from checker.inputs.templates import template_line

from tests.helpers import FIXTURES

TREE = FIXTURES / "templates-are-data"


def _kinds(root: Path) -> dict[str, str]:
    loaded = load(list(discover([str(root)])))
    return {str(Path(d.path).relative_to(root)): d.kind for d in loaded.documents}


def test_prometheus_rule_values_and_workflow_with_braces_are_read():
    kinds = _kinds(TREE)
    assert kinds == {
        ".github/workflows/deploy.yml": "github-workflow",
        "chart/Chart.yaml": "yaml",
        "chart/values.yaml": "helm-values",
        "monitoring/rules.yaml": "k8s",
    }


def test_every_file_is_judged_and_only_the_chart_template_is_skipped():
    report = scan_paths([str(TREE)])
    problems = [(Path(r.target).relative_to(TREE).as_posix(), r.status, r.message) for r in report.results if r.rule_id == "PF-INPUT"]
    assert problems == [(
        "chart/templates/deployment.yaml", "skip",
        'Helm chart template (line 4: name: {{ include "web.fullname" . }}): scan the output of `helm template` instead',
    ), (  # helm is not on PATH here: the chart itself is one skip saying how to judge it (inputs/render_helm.py)
        "chart/Chart.yaml", "skip", "install helm to judge this chart: https://helm.sh/docs/intro/install/",
    )]
    judged = {Path(r.target).relative_to(TREE).as_posix() for r in report.results if r.target not in ("-", "project")}
    assert {"chart/values.yaml", ".github/workflows/deploy.yml"} <= judged
    weak = [r for r in report.results if r.rule_id == "SEC-001" and r.status == "fail"]
    assert [(Path(r.location.file).name, r.location.line) for r in weak] == [("values.yaml", 7)]


def test_the_annotated_prometheus_rule_counts_as_a_latency_alert(tmp_path: Path):
    (tmp_path / "rules.yaml").write_text((TREE / "monitoring/rules.yaml").read_text())
    (tmp_path / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1}]\n"
    )
    (result,) = [r for r in scan_paths([str(tmp_path)], select=["MON-204"]).results]
    assert result.status == "pass", result.message


def test_an_unparsable_template_is_a_skip_naming_its_first_template_line(tmp_path: Path):
    (tmp_path / "svc.yaml").write_text("kind: Service\nmetadata:\n  name: x\n{{- if .Values.enabled }}\nspec: {{ .Values.spec }}\n")
    (problem,) = [r for r in scan_paths([str(tmp_path)], select=["SEC-001"]).results if r.rule_id == "PF-INPUT"]
    assert problem.status == "skip"
    assert "first template action at line 4: {{- if .Values.enabled }}" in problem.message


def test_invalid_yaml_without_template_syntax_stays_an_error(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text("a: '{{ fine }}'\nb: [1\n")
    (problem,) = [r for r in scan_paths([str(tmp_path)], select=["SEC-001"]).results if r.rule_id == "PF-INPUT"]
    assert (problem.status, problem.location.line) == ("error", 3)


def test_template_line_ignores_strings_comments_and_block_scalars():
    assert template_line("a: '{{ x }}'\n# {{ y }}\nb: |\n  {{ z }}\nc: \"${{ w }}\"\n") is None
    assert template_line("a: 1\nb: |\n  {{ z }}\nc: {{ .Values.c }}\n") == (4, "c: {{ .Values.c }}")
