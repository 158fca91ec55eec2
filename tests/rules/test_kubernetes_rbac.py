"""Kubernetes RBAC (rules/security-kubernetes-rbac.yaml): SEC-120..SEC-125, against kube-linter's, Checkov's and
Polaris's own test cases (tests/parity/), with the line and object of every finding pinned, one finding per cause,
and SEC-125 never asking for the opposite of SEC-114 / SEC-115."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from helpers import FIXTURES, ROOT, TODAY, run_rule

PARITY = ROOT / "tests" / "parity"
RBAC = ["SEC-120", "SEC-121", "SEC-122", "SEC-123", "SEC-124", "SEC-125"]
Finding = tuple[str, int | None, str | None]


def _findings(path: Path, rules: list[str] = RBAC) -> list[Finding]:
    report = scan_paths([str(path)], select=rules, today=TODAY)
    assert not [r for r in report.results if r.status == "error"], report.results
    return sorted((r.rule_id, r.location.line if r.location else None, r.location.object if r.location else None)
                  for r in report.results if r.status == "fail")


def _write(tmp_path: Path, text: str, name: str = "rbac.yaml") -> Path:
    folder = tmp_path / "deploy"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def _role(rule: str, kind: str = "ClusterRole", metadata: str = "{name: app}") -> str:
    return f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {metadata}\nrules:\n  - {rule}\n"


# --- the fixtures: every finding's line and object ------------------------------------------------


@pytest.mark.parametrize("rule_id, fixture, expected", [
    ("SEC-120", "fail-operator-wildcards.yaml", [("SEC-120", 8, "ClusterRole/backup-operator rules[0].resources"),
                                                ("SEC-120", 17, "ClusterRole/backup-operator rules[1].verbs")]),
    ("SEC-121", "fail-ci-deployer-cluster-admin.yaml", [("SEC-121", 8, "ClusterRoleBinding/ci-deployer roleRef.name")]),
    ("SEC-122", "fail-reads-every-secret.yaml", [("SEC-122", 10, "ClusterRole/config-sync rules[0].verbs")]),
    ("SEC-123", "fail-binds-and-impersonates.yaml", [("SEC-123", 10, "ClusterRole/tenant-manager rules[0].verbs"),
                                                     ("SEC-123", 17, "ClusterRole/tenant-manager rules[1].verbs")]),
    ("SEC-124", "fail-runner-exec.yaml", [("SEC-124", 12, "Role/job-runner rules[0].verbs")]),
    ("SEC-125", "fail-default-bound.yaml", [
        ("SEC-125", 12, "RoleBinding/web-reads-config subjects[0].name"),
        ("SEC-125", 27, "Deployment/web spec.template.spec.automountServiceAccountToken")]),
])
def test_each_finding_points_at_the_line_that_grants_it(rule_id: str, fixture: str, expected: list[Finding]) -> None:
    assert _findings(FIXTURES / rule_id / fixture, [rule_id]) == expected


def test_messages_say_what_is_granted() -> None:
    (wildcard, verbs) = [r for r in run_rule("SEC-120", FIXTURES / "SEC-120" / "fail-operator-wildcards.yaml") if r.status == "fail"]
    assert "get, list on every resource of API group core, Secrets included" in (wildcard.message or "")
    assert "verbs: * grants every verb" in (verbs.message or "") and "deployments, statefulsets" in (verbs.message or "")
    (binding,) = [r for r in run_rule("SEC-121", FIXTURES / "SEC-121" / "fail-ci-deployer-cluster-admin.yaml") if r.status == "fail"]
    assert "over the whole cluster to ServiceAccount deployer" in (binding.message or "")
    bind, impersonate = [r.message or "" for r in run_rule("SEC-123", FIXTURES / "SEC-123" / "fail-binds-and-impersonates.yaml")
                         if r.status == "fail"]
    assert bind.endswith("bind on clusterroles (may bind any role to anyone, itself included)")
    assert impersonate.endswith("impersonate on serviceaccounts (may act as any of them)")


# --- SEC-120 wildcards --------------------------------------------------------------------------------


@pytest.mark.parametrize("rule, status", [
    ('{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}', "fail"),
    ('{apiGroups: [apps], resources: ["*"], verbs: [get]}', "fail"),
    ('{apiGroups: [""], resources: [configmaps], verbs: ["*"]}', "fail"),
    ('{apiGroups: [monitoring.coreos.com], resources: [prometheuses], verbs: ["*"]}', "pass"),  # the operator's own kinds
    ('{apiGroups: [cert-manager.io], resources: ["*"], verbs: ["*"]}', "pass"),
    ('{apiGroups: [metrics.k8s.io], resources: ["*"], verbs: ["*"]}', "pass"),  # metrics-server's read-only API
    ('{apiGroups: [monitoring.coreos.com, ""], resources: [prometheuses, secrets], verbs: ["*"]}', "fail"),
    ('{apiGroups: ["*"], resources: [deployments], verbs: [get]}', "pass"),  # apiGroups alone (CKV_K8S_49 reports it)
    ('{nonResourceURLs: ["*"], verbs: [get]}', "pass"),
])
def test_wildcards_over_built_in_groups_only(tmp_path: Path, rule: str, status: str) -> None:
    results = [r for r in run_rule("SEC-120", _write(tmp_path, _role(rule))) if r.rule_id == "SEC-120"]
    assert [r.status for r in results] == [status]


def test_kubernetes_own_default_roles_and_aggregated_rules_are_not_judged(tmp_path: Path) -> None:
    bootstrap = _role('{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}',
                      metadata="{name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}")
    aggregated = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: monitoring}\n"
                  "aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {rbac.example.com/aggregate-to-monitoring: 'true'}}]\n"
                  "rules:\n  - {apiGroups: [''], resources: ['*'], verbs: ['*']}\n")
    part = _role('{apiGroups: [""], resources: [secrets], verbs: [list]}',
                 metadata="{name: monitoring-secrets, labels: {rbac.example.com/aggregate-to-monitoring: 'true'}}")
    path = _write(tmp_path, "---\n".join([bootstrap, aggregated, part]))
    assert _findings(path) == [("SEC-122", 19, "ClusterRole/monitoring-secrets rules[0].verbs")]


def test_a_star_verb_on_secrets_is_said_once_by_the_wildcard_rule(tmp_path: Path) -> None:
    path = _write(tmp_path, _role('{apiGroups: [""], resources: [secrets, pods/exec], verbs: ["*"]}'))
    report = scan_paths([str(path)], select=RBAC, today=TODAY)
    by_rule = {r.rule_id: (r.status, r.message or "") for r in report.results if r.rule_id in ("SEC-120", "SEC-122", "SEC-124")}
    assert by_rule["SEC-120"][0] == "fail"
    for narrower in ("SEC-122", "SEC-124"):
        assert by_rule[narrower][0] == "skip" and "said by SEC-120" in by_rule[narrower][1], narrower


def test_once_the_verbs_are_named_the_narrower_rules_speak(tmp_path: Path) -> None:
    path = _write(tmp_path, _role('{apiGroups: [""], resources: [secrets, pods/exec], verbs: [get, list, create]}'))
    assert _findings(path) == [("SEC-122", 5, "ClusterRole/app rules[0].verbs"), ("SEC-124", 5, "ClusterRole/app rules[0].verbs")]


# --- SEC-122 secrets, SEC-123 escalation, SEC-124 exec ------------------------------------------------


@pytest.mark.parametrize("kind, rule, status", [
    ("ClusterRole", '{apiGroups: [""], resources: [secrets], verbs: [watch]}', "fail"),
    ("ClusterRole", '{apiGroups: [""], resources: [secrets], verbs: [create, delete]}', "pass"),  # writes, no reads
    ("ClusterRole", '{apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}', "pass"),
    ("ClusterRole", '{apiGroups: [example.com], resources: [secrets], verbs: [get]}', "pass"),  # a CRD named secrets
    ("Role", '{apiGroups: [""], resources: [secrets], verbs: [get]}', None),  # one namespace's: not judged
])
def test_secrets_read_by_a_cluster_role(tmp_path: Path, kind: str, rule: str, status: str | None) -> None:
    results = [r.status for r in run_rule("SEC-122", _write(tmp_path, _role(rule, kind, "{name: app, namespace: shop}")))
               if r.rule_id == "SEC-122"]
    assert results == ([status] if status else ["skip"])


@pytest.mark.parametrize("rule, status", [
    ('{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [escalate]}', "fail"),
    ('{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [bind]}', "pass"),  # no effect there
    ('{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}', "fail"),
    ('{apiGroups: [authentication.k8s.io], resources: [userextras/scopes], verbs: [impersonate]}', "fail"),
    ('{apiGroups: [authentication.k8s.io], resources: [uids], verbs: [impersonate]}', "fail"),
    ('{apiGroups: [""], resources: [pods], verbs: [impersonate]}', "pass"),  # not an identity
    ('{apiGroups: ["*"], resources: ["*"], verbs: [bind]}', "fail"),
    ('{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: ["*"]}', "pass"),  # SEC-120's
])
def test_escalation_verbs(tmp_path: Path, rule: str, status: str) -> None:
    results = [r.status for r in run_rule("SEC-123", _write(tmp_path, _role(rule))) if r.rule_id == "SEC-123"]
    assert results == [status]


def test_get_alone_on_pods_exec_names_the_kubernetes_version_it_depends_on(tmp_path: Path) -> None:
    path = _write(tmp_path, _role('{apiGroups: [""], resources: [pods, pods/exec], verbs: [get, list]}'))
    (result,) = [r for r in run_rule("SEC-124", path) if r.rule_id == "SEC-124"]
    assert result.status == "fail" and "before Kubernetes 1.35" in (result.message or "")


# --- SEC-121 cluster-admin ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind, ref, status", [
    ("RoleBinding", "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}", "fail"),
    ("RoleBinding", "{apiGroup: rbac.authorization.k8s.io, kind: Role, name: cluster-admin}", "pass"),  # a Role of that name
    ("ClusterRoleBinding", "{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}", "pass"),
])
def test_cluster_admin_through_any_binding(tmp_path: Path, kind: str, ref: str, status: str) -> None:
    text = (f"apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: ops, namespace: shop}}\n"
            f"roleRef: {ref}\nsubjects: [{{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}}]\n")
    results = [r for r in run_rule("SEC-121", _write(tmp_path, text)) if r.rule_id == "SEC-121"]
    assert [r.status for r in results] == [status]
    if status == "fail":
        assert "over its namespace, Secrets and RBAC included, to Group ops" in (results[0].message or "")


# --- SEC-125 and the token rules: one model ------------------------------------------------------------

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
{pod}      containers:
        - {{name: web, image: "nginx:1.27.3"}}
"""
BINDING = """apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: default, namespace: shop}]
"""


@pytest.mark.parametrize("pod, bound, expected", [
    ("", False, [("SEC-114", 8)]),  # an unused token as default: opting out is the fix, said once
    ("      automountServiceAccountToken: false\n", False, []),  # no token, nothing shared
    ("      automountServiceAccountToken: false\n", True, [("SEC-125", 5)]),  # the binding still hands default a role
    ("      automountServiceAccountToken: true\n", False, [("SEC-125", 9)]),  # calls the API as default
    ("", True, [("SEC-125", 5)]),  # default is bound: SEC-114 sees the token used; the binding is the cause
    ("      serviceAccountName: default\n      automountServiceAccountToken: true\n", False, [("SEC-125", 10)]),
    ("      serviceAccountName: web\n      automountServiceAccountToken: true\n", False, []),
])
def test_default_account_and_token_rules_never_ask_for_opposite_fixes(
        tmp_path: Path, pod: str, bound: bool, expected: list[tuple[str, int]]) -> None:
    _write(tmp_path, DEPLOYMENT.format(pod=pod), "deployment.yaml")
    if bound:
        _write(tmp_path, BINDING, "binding.yaml")
    report = scan_paths([str(tmp_path / "deploy")], select=["SEC-114", "SEC-115", "SEC-125"], today=TODAY)
    assert not [r for r in report.results if r.status == "error"]
    assert sorted((r.rule_id, r.location.line) for r in report.results if r.status == "fail" and r.location) == \
        sorted((rule, line) for rule, line in expected)


# --- peers' own test cases (tests/parity/*/README.md) ------------------------------------------------

KUBE_LINTER = PARITY / "kube-linter"
CHECKOV = PARITY / "checkov"
POLARIS = PARITY / "polaris" / "clusterrolePodExecAttach"


@pytest.mark.parametrize("case, expected", [
    ("wildcard-in-rules.yml", [("SEC-120", 20, "Role/role1 rules[0].verbs")]),
    ("cluster-admin-role-binding.yml", [("SEC-121", 28, "ClusterRoleBinding/role-binding1 roleRef.name")]),
    ("access-to-secrets.yml", []),  # a Role's secrets: SEC-122 judges ClusterRoles only
    ("default-service-account.yml", []),  # the token it keeps as default is SEC-114's (below)
])
def test_kube_linter_cases(case: str, expected: list[Finding]) -> None:
    assert _findings(KUBE_LINTER / case) == expected


def test_kube_linter_default_service_account_is_sec_114_here() -> None:
    findings = _findings(KUBE_LINTER / "default-service-account.yml", ["SEC-114", "SEC-125"])
    assert ("SEC-114", 26, "Deployment/app spec.template.spec") in findings
    assert [f for f in findings if f[0] == "SEC-125"] == []


CHECKOV_CASES = {
    "example_WildcardRoles/role-failed-1.yaml": [("SEC-120", 9, "Role/test-should-fail-1 rules[0].resources")],
    "example_WildcardRoles/role-failed-2.yaml": [("SEC-120", 10, "Role/test-should-fail-2 rules[0].verbs")],
    "example_WildcardRoles/role-failed-3.yaml": [],  # `*` in apiGroups only: not reported (limitations)
    "example_WildcardRoles/role-passed-1.yaml": [],
    "example_WildcardRoles/role-passed-2.yaml": [],
    "example_RbacEscalateRoles/clusterrole-failed-1.yaml": [("SEC-123", 13, "ClusterRole/test-should-fail-1 rules[1].verbs")],
    "example_RbacEscalateRoles/role-failed-2.yaml": [("SEC-120", 10, "Role/test-should-fail-2 rules[0].verbs")],
    "example_RbacEscalateRoles/clusterrole-passed-1.yaml": [],
    "example_RbacEscalateRoles/role-passed-2.yaml": [("SEC-120", 10, "Role/test-should-pass-2 rules[0].verbs")],
    "example_RbacBindRoleBindings/clusterrole-failed-1.yaml": [],  # bind on rolebindings has no effect
    "example_RbacBindRoleBindings/role-failed-2.yaml": [("SEC-120", 10, "Role/test-should-fail-2 rules[0].verbs")],
    "example_RbacBindRoleBindings/clusterrole-passed-1.yaml": [],
    "example_RbacBindRoleBindings/role-passed-2.yaml": [("SEC-120", 10, "Role/test-should-pass-2 rules[0].verbs")],
    "example_DefaultServiceAccountBinding/DefaultServiceAccountBinding-FAILED.yaml": [
        ("SEC-121", 42, "ClusterRoleBinding/destroy-k8s roleRef.name"),
        ("SEC-125", 24, "RoleBinding/read-pods subjects[0].name"),
        ("SEC-125", 38, "ClusterRoleBinding/destroy-k8s subjects[0].name")],
    "example_DefaultServiceAccountBinding/DefaultServiceAccountBinding-PASSED.yaml": [],
}


@pytest.mark.parametrize("case", sorted(CHECKOV_CASES))
def test_checkov_cases(case: str) -> None:
    assert _findings(CHECKOV / case) == CHECKOV_CASES[case]


def test_checkov_cases_are_all_there() -> None:
    assert sorted(str(p.relative_to(CHECKOV)) for p in CHECKOV.glob("*/*.yaml")) == sorted(CHECKOV_CASES)


POLARIS_BY_NAME = {"success.defaultclusterrole_admin.yaml", "success.defaultclusterrole_clusteradmin.yaml",
                   "success.system_prefix.yaml", "success.gce_calico_clusterrole.yaml"}


@pytest.mark.parametrize("case", sorted(POLARIS.glob("*.yaml")), ids=lambda p: p.stem)
def test_polaris_pod_exec_attach_cases(case: Path) -> None:
    rules = {rule for rule, _, _ in _findings(case, ["SEC-120", "SEC-124"])}
    if case.name.startswith("failure."):
        assert len(rules) == 1 and rules <= {"SEC-120", "SEC-124"}, case.name  # one finding per cause
    elif case.name in POLARIS_BY_NAME:
        assert rules, case.name  # Polaris passes these by name; a role in a repository is judged on what it grants
    else:
        assert rules == set(), case.name


def test_polaris_cases_are_all_there() -> None:
    names = [p.name for p in POLARIS.glob("*.yaml")]
    assert len(names) == 18 and sum(n.startswith("failure.") for n in names) == 11
