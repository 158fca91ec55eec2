"""Kubernetes reliability, performance and network rules (PERF-1xx, MON-10x, SEC-15x..17x), yamllint style.

Each test pins the status, line and object of every result. The cross-object rules
(probe `k8s-relations`) give one result for the whole scan, and their findings point
at the object's own file and line, whatever file the related object is in. Files are
written under a folder named `deploy`: a name that says no environment, so the
default (production) applies.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.inputs.document import Document
from checker.models import Result
from checker.probes._k8s import SelectorError, is_database, selects, selects_map
from helpers import FIXTURES, run_rule, statuses


def located(results: list[Result]) -> list[tuple[str, int | None, str | None]]:
    return [(r.status, r.location.line if r.location else None, r.location.object if r.location else None) for r in results]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "deploy" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def deployment(name: str, labels: str, replicas: str = "", namespace: str = "shop", container: str = "") -> str:
    body = container or f"        - name: {name}\n          image: ghcr.io/example/{name}:2.3.1\n"
    return (
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {namespace}\nspec:\n"
        f"{replicas}  selector:\n    matchLabels: {labels}\n  template:\n    metadata:\n      labels: {labels}\n"
        f"    spec:\n      containers:\n{body}"
    )


# --- every fixture, exactly -----------------------------------------------------------------------

D, S = "Deployment", "StatefulSet"
EXPECTED = {
    ("PERF-100", "fail-sidecar-without-cpu-request.yaml"): [("fail", 22, f"{D}/fastgpt spec.template.spec.containers[1]")],
    ("PERF-101", "fail-cronjob-without-memory-request.yaml"): [
        ("fail", 14, "CronJob/mongo-backup spec.jobTemplate.spec.template.spec.containers[0]")],
    ("PERF-102", "fail-worker-without-cpu-limit.yaml"): [("fail", 15, f"{D}/sandbox spec.template.spec.containers[0]")],
    ("PERF-103", "fail-statefulset-without-memory-limit.yaml"): [("fail", 16, f"{S}/pgvector spec.template.spec.containers[0]")],
    ("PERF-110", "fail-single-replica-behind-service.yaml"): [("fail", 8, f"{D}/fastgpt spec.replicas")],
    ("PERF-111", "fail-hpa-default-min.yaml"): [("fail", 6, "HorizontalPodAutoscaler/fastgpt-hpa spec")],
    ("PERF-112", "fail-guide-hpa-without-requests.yaml"): [("fail", 17, f"{D}/fastgpt-app spec.template.spec.containers[0].resources")],
    ("PERF-112", "fail-v1-hpa-default-cpu.yaml"): [("fail", 25, f"{D}/sandbox spec.template.spec.containers[0]")],
    ("PERF-113", "fail-replicas-without-budget.yaml"): [("fail", 8, f"{D}/fastgpt spec.replicas")],
    ("PERF-113", "fail-budget-allows-no-disruption.yaml"): [("fail", 25, "PodDisruptionBudget/milvus spec.maxUnavailable")],
    ("MON-100", "fail-no-liveness.yaml"): [("fail", 15, f"{D}/fastgpt spec.template.spec.containers[0]")],
    ("MON-101", "fail-service-without-readiness.yaml"): [("fail", 15, f"{D}/fastgpt spec.template.spec.containers[0]")],
    ("SEC-150", "fail-latest-and-untagged.yaml"): [
        ("fail", 16, f"{D}/fastgpt spec.template.spec.initContainers[0].image"),
        ("fail", 20, f"{D}/fastgpt spec.template.spec.containers[0].image"),
    ],
    ("SEC-151", "fail-stale-pull-policies.yaml"): [
        ("fail", 17, f"{D}/aiproxy spec.template.spec.containers[0].imagePullPolicy"),
        ("fail", 20, f"{D}/aiproxy spec.template.spec.containers[1].imagePullPolicy"),
    ],
    ("SEC-160", "fail-no-ingress-policy.yaml"): [("fail", 14, f"{S}/mongo spec.template.metadata.labels")],
    ("SEC-161", "fail-postgres-load-balancer.yaml"): [("fail", 11, "Service/pgvector spec.ports[0].port")],
    ("SEC-161", "fail-nodeport-selects-mongo.yaml"): [("fail", 28, "Service/mongo-admin spec.selector")],
    ("SEC-170", "fail-no-tls.yaml"): [("fail", 6, "Ingress/fastgpt spec")],
    ("SEC-170", "fail-host-not-covered.yaml"): [("fail", 16, "Ingress/fastgpt spec.rules[1].host")],
    ("SEC-171", "fail-no-rate-limit.yaml"): [("fail", 6, "Ingress/fastgpt-api metadata.annotations")],
    ("SEC-172", "fail-cors-wildcard.yaml"): [
        ("fail", 8, "Ingress/fastgpt-api metadata.annotations['nginx.ingress.kubernetes.io/cors-allow-origin']")],
    ("SEC-172", "fail-cors-default-origin.yaml"): [
        ("fail", 8, "Ingress/fastgpt-openapi metadata.annotations['nginx.ingress.kubernetes.io/enable-cors']")],
    ("SEC-173", "fail-no-security-headers.yaml"): [("fail", 6, "Ingress/fastgpt metadata.annotations")],
}


@pytest.mark.parametrize(("rule_id", "name"), sorted(EXPECTED), ids=lambda v: str(v))
def test_fail_fixture_fails_exactly_there(rule_id: str, name: str) -> None:
    assert located(run_rule(rule_id, FIXTURES / rule_id / name)) == EXPECTED[(rule_id, name)]


def test_messages_name_the_object_and_the_related_object() -> None:
    def message(rule_id: str, name: str) -> list[str]:
        return [r.message for r in run_rule(rule_id, FIXTURES / rule_id / name)]

    assert message("PERF-110", "fail-single-replica-behind-service.yaml") == [
        "Deployment/fastgpt in fastgpt runs 1 replica behind Service/fastgpt in fastgpt and no autoscaler targets it"]
    assert message("PERF-112", "fail-guide-hpa-without-requests.yaml") == [
        "Deployment/fastgpt-app: container app has no cpu request, so HorizontalPodAutoscaler/fastgpt-hpa cannot compute cpu utilization"]
    assert message("PERF-113", "fail-budget-allows-no-disruption.yaml") == [
        "PodDisruptionBudget/milvus in fastgpt allows no voluntary disruption of StatefulSet/milvus in fastgpt (maxUnavailable: 0)"]
    assert message("MON-101", "fail-service-without-readiness.yaml") == [
        "Deployment/fastgpt in fastgpt: container fastgpt gets traffic from Service/fastgpt in fastgpt but has no readinessProbe"]
    assert message("SEC-161", "fail-nodeport-selects-mongo.yaml") == [
        "Service/mongo-admin in fastgpt (type NodePort) exposes a database outside the cluster: it selects StatefulSet/mongo in fastgpt"]
    assert message("SEC-151", "fail-stale-pull-policies.yaml") == [
        "Deployment/aiproxy in fastgpt, container aiproxy: imagePullPolicy IfNotPresent on the floating image ghcr.io/labring/aiproxy:latest",
        "Deployment/aiproxy in fastgpt, container metrics: imagePullPolicy Never, so a node without "
        "ghcr.io/example/aiproxy-metrics:1.2.0 cannot start the pod",
    ]


# --- label selectors ------------------------------------------------------------------------------

POD = {"app": "web", "tier": "frontend", "track": "stable"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "web", "tier": "frontend"}}, True),
        ({"matchLabels": {"app": "api"}}, False),
        ({"matchLabels": {"app": "web", "zone": "a"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend", "api"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]}, False),
        ({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}, False),
        ({"matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]}, True),
        ({"matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["stable"]}]}, False),
        ({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, True),  # absent key: NotIn holds
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
        # matchLabels and matchExpressions must all hold together
        ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["api"]}]}, False),
        ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}, True),
        ({}, True),  # an empty selector selects every pod
        (None, False),  # a null selector selects none
    ],
)
def test_label_selector_matching(selector: object, expected: bool) -> None:
    assert selects(selector, POD) is expected


def test_empty_selector_selects_nothing_when_told_so() -> None:
    assert selects({}, POD, empty_selects_all=False) is False  # policy/v1beta1 PodDisruptionBudget
    assert selects({"matchLabels": {}}, POD, empty_selects_all=False) is False


def test_selector_values_compare_as_text() -> None:
    assert selects({"matchLabels": {"version": 2, "canary": True}}, {"version": "2", "canary": "true"})
    assert selects({"matchExpressions": [{"key": "version", "operator": "In", "values": [2, 3]}]}, {"version": "3"})


@pytest.mark.parametrize(
    "selector",
    [
        {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]},
        {"matchExpressions": [{"key": "app", "operator": "In", "values": "web"}]},
        {"matchExpressions": [{"operator": "Exists"}]},
        ["app=web"],
    ],
)
def test_invalid_selector_is_an_error_not_a_match(selector: object) -> None:
    with pytest.raises(SelectorError):
        selects(selector, POD)


def test_service_selector_is_a_plain_map() -> None:
    assert selects_map({"app": "web"}, POD)
    assert not selects_map({"app": "web", "zone": "a"}, POD)
    assert not selects_map({}, POD)  # a Service without selector selects no pods (manual Endpoints)
    assert not selects_map(None, POD)


def test_invalid_selector_in_a_manifest_is_an_unparsable_error(tmp_path: Path) -> None:
    policy = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n"
        "spec:\n  podSelector:\n    matchExpressions: [{key: app, operator: Equal, values: [web]}]\n"
    )
    path = write(tmp_path, "all.yaml", deployment("web", "{app: web}") + "---\n" + policy)
    (result,) = run_rule("SEC-160", path)
    assert (result.status, result.reason) == ("error", "unparsable")
    assert "unknown selector operator 'Equal'" in result.message


# --- objects in different files -------------------------------------------------------------------

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n"
PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
"""
CPU = "        - name: web\n          image: ghcr.io/example/web:2.3.1\n          resources: {requests: {cpu: 250m}}\n"


def test_hpa_and_pdb_in_other_files_count_for_the_deployment(tmp_path: Path) -> None:
    app = write(tmp_path, "app/deployment.yaml", deployment("web", "{app: web}", "  replicas: 1\n", container=CPU))
    write(tmp_path, "app/service.yaml", SERVICE)
    write(tmp_path, "scaling/hpa.yaml", HPA)
    write(tmp_path, "policies/pdb.yaml", PDB)
    folder = app.parent.parent
    assert located(run_rule("PERF-110", folder)) == [("pass", None, None)]
    assert located(run_rule("PERF-112", folder)) == [("pass", None, None)]
    assert located(run_rule("PERF-113", folder)) == [("pass", None, None)]


def test_without_the_other_files_the_finding_points_at_the_deployment_file(tmp_path: Path) -> None:
    app = write(tmp_path, "app/deployment.yaml", deployment("web", "{app: web}", "  replicas: 1\n"))
    write(tmp_path, "app/service.yaml", SERVICE)
    write(tmp_path, "scaling/hpa.yaml", HPA)
    (replicas,) = run_rule("PERF-110", app.parent)  # only app/: no autoscaler in the scan
    assert (replicas.status, replicas.location.file, replicas.location.line) == ("fail", str(app), 7)
    (budget,) = run_rule("PERF-113", app.parent.parent)  # everything: the HPA makes it replicated, and no PDB
    assert (budget.status, budget.location.file, budget.location.line) == ("fail", str(app), 7)
    assert budget.message == "Deployment/web in shop is scaled by HorizontalPodAutoscaler/web in shop and no PodDisruptionBudget selects its pods"
    (requests,) = run_rule("PERF-112", app.parent.parent)  # the HPA's file is elsewhere; the fix is in the Deployment
    assert (requests.location.file, requests.location.line) == (str(app), 15)


def test_objects_in_other_namespaces_do_not_relate(tmp_path: Path) -> None:
    text = deployment("web", "{app: web}", "  replicas: 3\n") + "---\n" + PDB.replace("namespace: shop", "namespace: other")
    assert statuses(run_rule("PERF-113", write(tmp_path, "web.yaml", text))) == ["fail"]


def test_objects_without_namespace_relate_to_any_namespace(tmp_path: Path) -> None:
    text = deployment("web", "{app: web}", "  replicas: 3\n") + "---\n" + PDB.replace(", namespace: shop", "")
    assert statuses(run_rule("PERF-113", write(tmp_path, "web.yaml", text))) == ["pass"]


def test_beta_pdb_with_empty_selector_selects_nothing(tmp_path: Path) -> None:
    beta = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: all, namespace: shop}\nspec: {maxUnavailable: 1, selector: {}}\n"
    text = deployment("web", "{app: web}", "  replicas: 3\n") + "---\n" + beta
    assert statuses(run_rule("PERF-113", write(tmp_path, "web.yaml", text))) == ["fail"]
    assert statuses(run_rule("PERF-113", write(tmp_path, "web.yaml", text.replace("policy/v1beta1", "policy/v1")))) == ["pass"]


@pytest.mark.parametrize(
    ("budget", "blocked"),
    [("minAvailable: 100%", True), ("minAvailable: 3", True), ("minAvailable: 2", False), ('maxUnavailable: "0%"', True),
     ("maxUnavailable: 25%", False)],
)
def test_budget_that_blocks_every_drain(budget: str, blocked: bool, tmp_path: Path) -> None:
    pdb = PDB.replace("maxUnavailable: 1", budget)
    text = deployment("web", "{app: web}", "  replicas: 3\n") + "---\n" + pdb
    results = run_rule("PERF-113", write(tmp_path, "web.yaml", text))
    assert located(results) == ([("fail", 22, "PodDisruptionBudget/web spec." + budget.split(":")[0])] if blocked else [("pass", None, None)])


# --- skips, environments, what is not judged --------------------------------------------------------


@pytest.mark.parametrize("rule_id", ["PERF-110", "PERF-111", "PERF-112", "PERF-113", "MON-101", "SEC-160", "SEC-161", "SEC-170",
                                     "SEC-171", "SEC-172", "SEC-173"])
def test_scan_without_the_objects_is_skipped(rule_id: str, tmp_path: Path) -> None:
    (result,) = run_rule(rule_id, write(tmp_path, "app.env", "NODE_ENV=production\n"))
    assert result.status == "skip" and result.message.startswith("no ") and result.message.endswith(" in scope")


def test_workloads_of_another_environment_are_left_out(tmp_path: Path) -> None:
    path = write(tmp_path, "web.dev.yaml", deployment("web", "{app: web}", "  replicas: 1\n") + "---\n" + SERVICE)
    assert located(run_rule("PERF-110", path)) == [("skip", None, None)]
    assert statuses(run_rule("PERF-110", path, env="production")) == ["fail"]


def test_replicas_zero_workers_and_databases_are_not_judged(tmp_path: Path) -> None:
    scaled_to_zero = deployment("web", "{app: web}", "  replicas: 0\n")
    postgres = deployment("pg", "{app: pg}", "  replicas: 1\n", container="        - {name: pg, image: 'postgres:16.4'}\n")
    pg_service = SERVICE.replace("web", "pg")
    worker = deployment("worker", "{app: worker}", "  replicas: 1\n")
    path = write(tmp_path, "all.yaml", "---\n".join([scaled_to_zero, SERVICE, postgres, pg_service, worker]))
    assert statuses(run_rule("PERF-110", path)) == ["pass"]


def test_keda_scaled_object_counts_as_autoscaler(tmp_path: Path) -> None:
    keda = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {name: web}\n"
    text = "---\n".join([deployment("web", "{app: web}", "  replicas: 1\n"), SERVICE, keda])
    assert statuses(run_rule("PERF-110", write(tmp_path, "web.yaml", text))) == ["pass"]


def test_hpa_container_resource_metric_checks_only_that_container(tmp_path: Path) -> None:
    two = (
        "        - {name: web, image: 'ghcr.io/example/web:2.3.1', resources: {requests: {memory: 128Mi}}}\n"
        "        - {name: proxy, image: 'envoyproxy/envoy:v1.31.2'}\n"
    )
    hpa = HPA.replace(
        "metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]",
        "metrics: [{type: ContainerResource, containerResource: {name: memory, container: web, target: {type: Utilization, averageUtilization: 80}}}]",
    )
    text = deployment("web", "{app: web}", container=two) + "---\n" + hpa
    assert statuses(run_rule("PERF-112", write(tmp_path, "web.yaml", text))) == ["pass"]
    results = run_rule("PERF-112", write(tmp_path, "web.yaml", text.replace("container: web", "container: proxy")))
    assert located(results) == [("fail", 15, "Deployment/web spec.template.spec.containers[1]")]


def test_hpa_v2beta1_target_average_utilization(tmp_path: Path) -> None:
    hpa = (
        "apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n"
        "  scaleTargetRef: {kind: Deployment, name: web}\n  minReplicas: 2\n  maxReplicas: 4\n"
        "  metrics: [{type: Resource, resource: {name: memory, targetAverageUtilization: 80}}]\n"
    )
    text = deployment("web", "{app: web}", container=CPU) + "---\n" + hpa
    (result,) = run_rule("PERF-112", write(tmp_path, "web.yaml", text))
    assert result.status == "fail" and "has no memory request" in result.message


def test_readiness_judges_all_containers_when_no_port_matches(tmp_path: Path) -> None:
    two = "        - {name: web, image: 'ghcr.io/example/web:2.3.1'}\n        - {name: proxy, image: 'envoyproxy/envoy:v1.31.2'}\n"
    text = deployment("web", "{app: web}", container=two) + "---\n" + SERVICE
    assert located(run_rule("MON-101", write(tmp_path, "web.yaml", text))) == [
        ("fail", 14, "Deployment/web spec.template.spec.containers[0]"),
        ("fail", 15, "Deployment/web spec.template.spec.containers[1]"),
    ]


def test_readiness_judges_the_container_the_service_targets_by_number(tmp_path: Path) -> None:
    two = (
        "        - {name: web, image: 'ghcr.io/example/web:2.3.1', ports: [{containerPort: 8080}]}\n"
        "        - {name: proxy, image: 'envoyproxy/envoy:v1.31.2', ports: [{containerPort: 80}]}\n"
    )
    text = deployment("web", "{app: web}", container=two) + "---\n" + SERVICE
    assert located(run_rule("MON-101", write(tmp_path, "web.yaml", text))) == [("fail", 15, "Deployment/web spec.template.spec.containers[1]")]


def test_liveness_is_not_asked_of_jobs(tmp_path: Path) -> None:
    job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      containers: [{name: m, image: 'alpine:3.20'}]\n"
    assert statuses(run_rule("MON-100", write(tmp_path, "job.yaml", job))) == ["skip"]


def test_database_service_exposed_by_external_ips_or_open_source_ranges(tmp_path: Path) -> None:
    external = "apiVersion: v1\nkind: Service\nmetadata: {name: redis}\nspec:\n  externalIPs: [198.51.100.7]\n  ports: [{port: 6379}]\n"
    open_lb = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: mysql}\nspec:\n  type: LoadBalancer\n"
        "  loadBalancerSourceRanges: [0.0.0.0/0]\n  ports: [{port: 3306}]\n"
    )
    results = run_rule("SEC-161", write(tmp_path, "svc.yaml", external + "---\n" + open_lb))
    assert located(results) == [("fail", 6, "Service/redis spec.ports[0].port"), ("fail", 14, "Service/mysql spec.ports[0].port")]
    assert [r.observed for r in results] == ["externalIPs", "type LoadBalancer"]


def test_database_workloads_by_image_or_port() -> None:
    def workload(container: dict[str, object]) -> Document:
        data = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [container]}}
        return Document("p.yaml", "k8s", data)

    assert is_database(workload({"name": "db", "image": "docker.io/bitnami/postgresql:16.4.0"}))
    assert is_database(workload({"name": "db", "image": "weaveworksdemos/user-db:0.3.0", "ports": [{"containerPort": 27017}]}))
    assert not is_database(workload({"name": "x", "image": "oliver006/redis_exporter:v1.62.0"}))
    assert not is_database(workload({"name": "x", "image": "bitnami/redis-exporter:1.62.0", "ports": [{"containerPort": 9121}]}))
    assert not is_database(workload({"name": "web", "image": "ghcr.io/labring/fastgpt:v4.9.1"}))


def test_network_policy_ingress_rule_counts_without_policy_types(tmp_path: Path) -> None:
    policy = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{podSelector: {}}]}]\n"
    )
    text = deployment("web", "{app: web}") + "---\n" + policy
    assert statuses(run_rule("SEC-160", write(tmp_path, "web.yaml", text))) == ["pass"]


def test_controller_wide_rate_limit_snippet_covers_every_ingress(tmp_path: Path) -> None:
    ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec: {ingressClassName: nginx}\n"
    controller = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\n"
        "data:\n  http-snippet: limit_req_zone $binary_remote_addr zone=api:10m rate=20r/s;\n"
        "  location-snippet: limit_req zone=api burst=40 nodelay;\n"
    )
    assert statuses(run_rule("SEC-171", write(tmp_path, "edge.yaml", ingress))) == ["fail"]
    assert statuses(run_rule("SEC-171", write(tmp_path, "edge.yaml", ingress + "---\n" + controller))) == ["pass"]


def test_k8s_images_with_placeholders_are_not_judged(tmp_path: Path) -> None:
    text = deployment("web", "{app: web}", container="        - {name: web, image: '${WEB_IMAGE}'}\n")
    assert statuses(run_rule("SEC-150", write(tmp_path, "web.yaml", text))) == ["pass"]
