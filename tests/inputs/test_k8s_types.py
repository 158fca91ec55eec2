"""Kubernetes fields of the wrong type: one error at the field's line, never a probe's crash (issue 12 item 13)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.api import scan_paths
from checker.inputs import k8s_types
from tests.helpers import FIXTURES, TODAY


def test_the_shipped_types_are_what_the_installed_client_gives() -> None:
    """Field for field, where both know the model (a newer client on a fresh machine may know more)."""
    shipped = json.loads((Path(k8s_types.__file__).parent / "k8s_types.json").read_text())
    installed = k8s_types.generate()
    common = shipped.keys() & installed.keys()
    assert len(common) >= 0.95 * len(shipped), "run `python -m checker.inputs.k8s_types --generate`"
    differ = {(model, name) for model in common for name in shipped[model].keys() & installed[model].keys()
              if shipped[model][name] != installed[model][name]}
    assert differ == set(), "run `python -m checker.inputs.k8s_types --generate`"
    assert shipped["V1IngressSpec"]["tls"] == "List[V1IngressTLS]"


def test_ingress_tls_of_the_wrong_type_is_an_error_at_its_line_and_the_rules_still_run(tmp_path: Path) -> None:
    (tmp_path / "ingress.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n  tls: 1\n"
        "  rules:\n    - host: example.com\n", encoding="utf-8")
    report = scan_paths([str(tmp_path)], select=["SEC-170", "SEC-171"], today=TODAY)
    crashed = [r for r in report.results if r.status == "error" and r.rule_id != "PF-INPUT"]
    assert crashed == []
    (wrong,) = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert (wrong.location and wrong.location.line, wrong.status) == (5, "error")
    assert "spec.tls: a list (of IngressTLS) is expected, not an integer" in (wrong.message or "")
    assert [r.status for r in report.results if r.rule_id == "SEC-170"] == ["fail"]  # judged without tls: no TLS


def test_numbers_where_text_is_expected_are_read_as_text_without_an_error() -> None:
    deployment: dict[str, Any] = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"tier": 1}},
        "spec": {"replicas": "3", "template": {"spec": {"containers": [
            {"name": "a", "image": "a:1", "resources": {"limits": {"cpu": 1}}, "env": [{"name": "N", "value": 3}]}]}}},
    }
    problems = k8s_types.check(deployment)
    k8s_types.repair(deployment, problems)
    assert [p.path for p in problems if p.message] == [("spec", "replicas")]  # a string for an integer: rejected
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["env"][0]["value"] == "3" and container["resources"]["limits"]["cpu"] == "1"
    assert deployment["metadata"]["labels"] == {"tier": "1"} and "replicas" not in deployment["spec"]


def test_custom_resources_and_unknown_versions_are_not_checked() -> None:
    assert k8s_types.check({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "spec": 1}) == []
    assert k8s_types.check({"apiVersion": "extensions/v1beta1", "kind": "Ingress", "spec": {"tls": 1}}) == []


def _manifests() -> list[tuple[str, list[dict[str, Any]]]]:
    found = []
    for path in sorted(FIXTURES.glob("*/*.yaml")):
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)]
        except yaml.YAMLError:
            continue
        if docs and all("apiVersion" in d and "kind" in d for d in docs):
            found.append((f"{path.parent.name}/{path.name}", docs))
    return found


MANIFESTS = _manifests()
WRONG = st.sampled_from([1, "x", True, [1], ["x"], {"a": 1}, 2.5, None, [], {}])


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found += _paths(child, prefix + (key,))
    return found


@pytest.mark.skipif(len(MANIFESTS) < 30, reason="the Kubernetes rule fixtures are missing")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_probe_crashes_on_a_manifest_with_one_field_of_the_wrong_type(tmp_path_factory: pytest.TempPathFactory,
                                                                          data: st.DataObject) -> None:
    name, docs = data.draw(st.sampled_from(MANIFESTS), label="fixture")
    index = data.draw(st.integers(0, len(docs) - 1), label="document")
    doc = json.loads(json.dumps(docs[index], default=str))
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p[0] not in ("apiVersion", "kind")]), label="path")
    parent: Any = doc
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = data.draw(WRONG, label="value")
    folder = tmp_path_factory.mktemp("wrong")
    (folder / "manifest.yaml").write_text(yaml.safe_dump_all([*docs[:index], doc, *docs[index + 1:]]), encoding="utf-8")
    report = scan_paths([str(folder)], today=TODAY)
    crashed = [f"{r.rule_id}: {r.message}" for r in report.results if r.status == "error" and r.rule_id != "PF-INPUT"]
    assert crashed == [], f"{name}: {path} set to {parent[path[-1]]!r}"
