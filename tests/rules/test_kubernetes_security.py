"""Edge cases of the Kubernetes security rules (rules/security-kubernetes.yaml), yamllint style.

Each test pins the status, line and object of every finding and the message
naming the object and the container; the catalog test already checks that
every fixture fails or passes. Snippets are written to a folder named
`deploy`, which names no environment, so production applies.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.api import scan_paths
from checker.models import Result
from helpers import FIXTURES, TODAY, run_rule, run_snippet, statuses


def _snippet(rule_id: str, text: str, tmp_path: Path) -> list[Result]:
    return run_snippet(rule_id, text, "yaml", tmp_path / "deploy")


def _findings(results: list[Result]) -> list[tuple[int | None, str | None]]:
    """(line, object) of every failing result, in report order; anything but pass/fail is a test error."""
    assert set(statuses(results)) <= {"pass", "fail"}, results
    return [(r.location.line, r.location.object) for r in results if r.status == "fail" and r.location]


def _pod(spec: str, name: str = "web") -> str:
    """A Pod manifest around an indented pod-spec body."""
    return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n{spec}"


# --- pod-level securityContext is inherited by every container --------------------------------


def test_given_root_user_on_the_pod_then_each_container_fails_at_the_pod_line() -> None:
    results = run_rule("SEC-102", FIXTURES / "SEC-102" / "fail-root-user-in-pod.yaml")
    assert _findings(results) == [
        (20, "Deployment/media spec.template.spec.securityContext.runAsUser"),
        (20, "Deployment/media spec.template.spec.securityContext.runAsUser"),
    ]
    assert [r.message for r in results] == [
        "Deployment/media in shop: container media may run as root",
        "Deployment/media in shop: container thumbnailer may run as root",
    ]
    assert {r.observed for r in results} == {"0"}


def test_given_non_root_pod_then_init_and_app_containers_inherit_it() -> None:
    results = run_rule("SEC-102", FIXTURES / "SEC-102" / "pass-pod-level-non-root.yaml")
    assert [(r.status, r.location.object) for r in results] == [("pass", "Deployment/payments")]


def test_given_container_that_overrides_the_pod_then_only_it_fails_at_its_own_line() -> None:
    (r,) = run_rule("SEC-102", FIXTURES / "SEC-102" / "fail-container-overrides-pod.yaml")
    assert (r.status, r.location.line) == ("fail", 33)
    assert r.location.object == "Deployment/payments spec.template.spec.containers[1].securityContext.runAsNonRoot"
    assert r.message == "Deployment/payments in shop: container legacy-agent may run as root"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # pod says non-root, the container pins uid 0: the container's line
        ("  securityContext: {runAsNonRoot: true}\n  containers:\n"
         "    - {name: app, image: app:1.0, securityContext: {runAsUser: 0}}\n",
         [(9, "Pod/web spec.containers[0].securityContext.runAsUser")]),
        # a non-zero uid on the pod is enough, without runAsNonRoot
        ("  securityContext: {runAsUser: 10001}\n  containers:\n    - {name: app, image: app:1.0}\n", []),
        # runAsNonRoot on the container does not undo the pod's uid 0: the pod's line
        ("  securityContext: {runAsUser: 0}\n  containers:\n"
         "    - {name: app, image: app:1.0, securityContext: {runAsNonRoot: true}}\n",
         [(7, "Pod/web spec.securityContext.runAsUser")]),
        # the container's own uid wins over the pod's root uid
        ("  securityContext: {runAsUser: 0}\n  containers:\n"
         "    - {name: app, image: app:1.0, securityContext: {runAsUser: 1000}}\n", []),
    ],
)
def test_given_pod_and_container_user_settings_then_the_effective_one_is_judged(
    spec: str, expected: list[tuple[int, str]], tmp_path: Path
) -> None:
    assert _findings(_snippet("SEC-102", _pod(spec), tmp_path)) == expected


def test_given_pod_runtime_default_seccomp_then_container_unconfined_override_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-110", FIXTURES / "SEC-110" / "fail-unconfined-override.yaml")
    assert (r.status, r.location.line, r.observed) == ("fail", 30, "Unconfined")
    assert r.location.object == "Deployment/currency spec.template.spec.containers[0].securityContext.seccompProfile.type"


# --- init containers, CronJobs, Lists and multi-document files ---------------------------------


def test_given_privileged_init_container_then_it_is_caught() -> None:
    (r,) = run_rule("SEC-100", FIXTURES / "SEC-100" / "fail-privileged-init-container.yaml")
    assert (r.status, r.location.line) == ("fail", 25)
    assert r.location.object == "StatefulSet/search spec.template.spec.initContainers[0].securityContext.privileged"
    assert r.message == "StatefulSet/search in shop: container sysctl runs privileged"


def test_given_init_container_adding_net_admin_then_it_fails_naming_the_capability() -> None:
    (r,) = run_rule("SEC-108", FIXTURES / "SEC-108" / "fail-net-admin-init-container.yaml")
    assert (r.location.line, r.observed) == (25, "NET_ADMIN")
    assert r.message == "Deployment/orders in shop: container proxy-init adds capability NET_ADMIN"


def test_given_cronjob_then_the_job_template_pod_spec_is_checked() -> None:
    (r,) = run_rule("SEC-101", FIXTURES / "SEC-101" / "fail-escalation-cronjob.yaml")
    assert (r.status, r.location.line) == ("fail", 29)
    assert r.location.object == (
        "CronJob/nightly-report spec.jobTemplate.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"
    )
    assert r.message == "CronJob/nightly-report in shop: container report allows privilege escalation"


def test_given_cronjob_without_seccomp_then_the_container_line_is_reported() -> None:
    (r,) = run_rule("SEC-110", FIXTURES / "SEC-110" / "fail-no-profile-cronjob.yaml")
    assert (r.location.line, r.location.object) == (19, "CronJob/db-backup spec.jobTemplate.spec.template.spec.containers[0]")


def test_given_list_then_items_keep_their_lines_and_the_service_gets_no_result() -> None:
    results = run_rule("SEC-101", FIXTURES / "SEC-101" / "fail-list-items.yaml")
    assert _findings(results) == [(39, "Deployment/cart spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation")]
    assert len(results) == 1  # the Service item is not a workload


def test_given_two_documents_then_only_the_second_fails_at_its_own_line() -> None:
    results = run_rule("SEC-100", FIXTURES / "SEC-100" / "fail-second-document.yaml")
    assert [(r.status, r.location.line, r.location.object) for r in results] == [
        ("pass", None, "Deployment/api"),
        ("fail", 52, "Deployment/worker spec.template.spec.containers[0].securityContext.privileged"),
    ]
    assert results[1].message == "Deployment/worker in shop: container worker runs privileged"


def test_given_ephemeral_debug_container_then_it_is_checked(tmp_path: Path) -> None:
    spec = (
        "  containers:\n    - {name: app, image: app:1.0}\n"
        "  ephemeralContainers:\n    - {name: debugger, image: busybox:1.36.1, securityContext: {privileged: true}}\n"
    )
    (r,) = _snippet("SEC-100", _pod(spec), tmp_path)
    assert (r.status, r.location.line, r.message) == ("fail", 10, "Pod/web in shop: container debugger runs privileged")


def test_given_only_objects_that_are_not_workloads_then_container_rules_are_skipped(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {LOG_LEVEL: info}\n"
    )
    for rule_id in ("SEC-100", "SEC-102", "SEC-104", "SEC-116"):
        assert statuses(_snippet(rule_id, text, tmp_path / rule_id)) == ["skip"]


# --- ports, capabilities, host paths --------------------------------------------------------------


def test_given_two_host_ports_then_the_container_fails_on_the_first() -> None:
    (r,) = run_rule("SEC-107", FIXTURES / "SEC-107" / "fail-host-port-ingress.yaml")
    assert (r.location.line, r.observed) == (23, "80")
    assert r.message == "DaemonSet/ingress-nginx-controller in ingress-nginx: container controller binds host port 80"


def test_given_host_port_zero_then_it_means_unset(tmp_path: Path) -> None:
    spec = "  containers:\n    - {name: app, image: app:1.0, ports: [{containerPort: 8080, hostPort: 0}]}\n"
    assert statuses(_snippet("SEC-107", _pod(spec), tmp_path)) == ["pass"]


@pytest.mark.parametrize(
    ("drop", "add", "expected"),
    [("[ALL]", "[]", "pass"), ("[NET_RAW]", "[]", "pass"), ("[CAP_NET_RAW]", "[]", "pass"),
     ("[SYS_CHROOT]", "[]", "fail"), ("[ALL]", "[NET_RAW]", "fail")],
)
def test_given_dropped_and_added_capabilities_then_net_raw_must_end_up_dropped(
    drop: str, add: str, expected: str, tmp_path: Path
) -> None:
    spec = f"  containers:\n    - {{name: app, image: app:1.0, securityContext: {{capabilities: {{drop: {drop}, add: {add}}}}}}}\n"
    assert statuses(_snippet("SEC-109", _pod(spec), tmp_path)) == [expected]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "fail"), ("/etc", "fail"), ("/etc/", "fail"), ("/proc", "fail"), ("/var/run", "fail"),
        ("/root/.ssh", "fail"), ("/var/lib/kubelet", "fail"), ("/etc/kubernetes/pki", "fail"),
        ("/var/lib/docker/containers", "fail"),
        ("/var/log", "pass"), ("/etc/ssl/certs", "pass"), ("/sys/fs/cgroup", "pass"), ("/data/app", "pass"),
        ("/var/run/docker.sock", "pass"),  # SEC-111's finding, not reported twice
    ],
)
def test_given_host_path_then_only_sensitive_node_folders_fail(path: str, expected: str, tmp_path: Path) -> None:
    spec = (
        "  containers:\n    - {name: app, image: app:1.0, volumeMounts: [{name: host, mountPath: /host}]}\n"
        f"  volumes:\n    - {{name: host, hostPath: {{path: \"{path}\"}}}}\n"
    )
    assert statuses(_snippet("SEC-112", _pod(spec), tmp_path)) == [expected]


def test_given_host_root_mounted_second_then_the_finding_names_that_volume() -> None:
    (r,) = run_rule("SEC-112", FIXTURES / "SEC-112" / "fail-host-root-mount.yaml")
    assert (r.location.line, r.location.object) == (36, "DaemonSet/node-inventory spec.template.spec.volumes[1].hostPath.path")
    assert r.message == "DaemonSet/node-inventory in ops mounts host path /"


def test_given_containerd_socket_then_it_is_a_runtime_socket_finding() -> None:
    (r,) = run_rule("SEC-111", FIXTURES / "SEC-111" / "fail-containerd-sock.yaml")
    assert (r.location.line, r.observed) == (32, "/run/containerd/containerd.sock")


# --- secrets ------------------------------------------------------------------------------------


def test_given_committed_secret_in_a_bundle_then_the_value_is_masked_and_only_the_secret_is_judged() -> None:
    (r,) = run_rule("SEC-113", FIXTURES / "SEC-113" / "fail-secret-in-bundle.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 39, "Secret/notifier data.slack-token")
    assert r.message == "Secret/notifier in shop holds a literal secret value"
    assert r.observed == "eG****** (40 chars)"


def test_given_literal_secret_in_a_configmap_then_sec_006_reports_it_and_no_kubernetes_rule_repeats_it(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    path = folder / "config.yaml"
    path.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  LOG_LEVEL: info\n"
        "  DB_PASSWORD: q7Vn2pR9tLx4mK8sW3zY\n"
    )
    kubernetes_rules = [f"SEC-{n}" for n in range(100, 117)]
    report = scan_paths([str(path)], select=["SEC-006", *kubernetes_rules], today=TODAY)
    failing = [(r.rule_id, r.location.line, r.message) for r in report.results if r.status == "fail" and r.location]
    assert failing == [("SEC-006", 6, "DB_PASSWORD (ConfigMap app) is written inline")]


# --- objects outside the pod spec ---------------------------------------------------------------


def test_given_workload_without_namespace_then_it_fails_at_the_object() -> None:
    (r,) = run_rule("SEC-116", FIXTURES / "SEC-116" / "fail-no-namespace.yaml")
    assert (r.status, r.location.line, r.location.object) == ("fail", 1, "Deployment/storefront")
    assert r.message == "Deployment/storefront is not placed in a namespace of its own"


def test_given_default_namespace_then_it_fails_on_the_namespace_line() -> None:
    (r,) = run_rule("SEC-116", FIXTURES / "SEC-116" / "fail-default-namespace.yaml")
    assert (r.location.line, r.location.object, r.observed) == (5, "StatefulSet/queue metadata.namespace", "default")


def test_given_namespace_object_beside_the_workload_then_only_the_workload_is_judged() -> None:
    results = run_rule("SEC-116", FIXTURES / "SEC-116" / "pass-own-namespace.yaml")
    assert [(r.status, r.location.object) for r in results] == [("pass", "Deployment/storefront")]


def test_given_pod_spec_without_opt_out_then_the_pod_spec_line_is_reported() -> None:
    (r,) = run_rule("SEC-114", FIXTURES / "SEC-114" / "fail-token-mounted.yaml")
    assert (r.location.line, r.location.object) == (17, "Deployment/storefront spec.template.spec")


def test_given_service_account_that_opts_out_then_it_passes() -> None:
    results = run_rule("SEC-115", FIXTURES / "SEC-115" / "pass-service-account-opt-out.yaml")
    assert [r.status for r in results] == ["pass"]


# --- SEC-114 / SEC-115: one model of who needs the token (issue 14) ---------------------------


def test_explicit_opt_in_on_a_pod_is_a_decision_not_a_finding() -> None:
    assert [r.status for r in run_rule("SEC-114", FIXTURES / "SEC-114" / "pass-token-explicitly-on.yaml")] == ["pass"]


def test_pod_whose_account_is_bound_to_a_role_needs_the_token() -> None:
    fixture = FIXTURES / "SEC-114" / "pass-account-bound-to-role.yaml"
    assert [r.status for r in run_rule("SEC-114", fixture)] == ["pass"]


def test_account_bound_by_a_cluster_role_binding_needs_its_token() -> None:
    fixture = FIXTURES / "SEC-115" / "pass-account-bound-to-role.yaml"
    assert [r.status for r in run_rule("SEC-115", fixture)] == ["pass"]


def test_one_cause_one_finding_the_account_not_also_its_pod() -> None:
    fixture = FIXTURES / "SEC-115" / "fail-account-and-its-pod.yaml"
    (account,) = run_rule("SEC-115", fixture)
    assert (account.status, account.location.line, account.location.object) == ("fail", 3, "ServiceAccount/web")
    assert [r.status for r in run_rule("SEC-114", fixture)] == ["pass"]


def test_account_whose_pods_opt_in_explicitly_passes(tmp_path: Path) -> None:
    text = (FIXTURES / "SEC-115" / "fail-account-and-its-pod.yaml").read_text().replace(
        "      serviceAccountName: web\n", "      serviceAccountName: web\n      automountServiceAccountToken: true\n")
    assert "automountServiceAccountToken: true" in text
    (tmp_path / "app.yaml").write_text(text)
    assert [r.status for r in run_rule("SEC-115", tmp_path / "app.yaml")] == ["pass"]


def test_binding_in_another_namespace_does_not_count(tmp_path: Path) -> None:
    text = (FIXTURES / "SEC-114" / "pass-account-bound-to-role.yaml").read_text().replace(
        "- {kind: ServiceAccount, name: leader-elector, namespace: shop}", "- {kind: ServiceAccount, name: leader-elector, namespace: other}")
    (tmp_path / "app.yaml").write_text(text)
    (r,) = run_rule("SEC-114", tmp_path / "app.yaml")
    assert r.status == "fail" and "ServiceAccount leader-elector (not in scope)" in r.message
