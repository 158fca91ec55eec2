"""Classes of wrong findings seen on held-out repositories (benchmarks/realworld, judgements-held-out.tsv).

- GoogleCloudPlatform/microservices-demo: `image: adservice` in manifests that Skaffold deploys (it builds
  and tags `adservice`) reported as "no tag, runs latest"; kustomize Components built alone ("no resource
  matches strategic merge patch" errors); `GOOGLE_API_KEY: GOOGLE_API_KEY_VAL` reported as an inline secret and
  `REGION: REGION_VAL` as a region outside the EEA, though both are placeholders a deploy script replaces.
"""
from __future__ import annotations

from pathlib import Path

from checker.api import scan_paths
from tests.helpers import TODAY

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: server
          image: {image}
          env:
{env}
"""


def _failing(folder: Path, *rules: str) -> list[tuple[str, str]]:
    report = scan_paths([str(folder)], select=list(rules), env="production", today=TODAY)
    return [(r.rule_id, r.message) for r in report.results if r.status in ("fail", "error")]


def test_an_image_skaffold_builds_is_tagged_by_skaffold_not_latest(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(DEPLOYMENT.format(image="web", env="            - {name: A, value: b}"))
    (tmp_path / "k8s" / "other.yaml").write_text(DEPLOYMENT.format(image="redis", env="            - {name: A, value: b}"))
    assert [rule for rule, _ in _failing(tmp_path, "SEC-150")] == ["SEC-150", "SEC-150"]
    (tmp_path / "skaffold.yaml").write_text(
        "apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: web\n      context: src/web\n")
    found = _failing(tmp_path, "SEC-150")
    assert len(found) == 1 and "image redis has no tag" in found[0][1]  # an image skaffold does not build still fails


def test_a_kustomize_component_is_not_built_alone(tmp_path: Path) -> None:
    component = tmp_path / "components" / "extra"
    component.mkdir(parents=True)
    (component / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [extra.yaml]\n"
        "patches:\n  - path: patch.yaml\n")
    (component / "extra.yaml").write_text(DEPLOYMENT.format(image="nginx:1.27.3", env="            - {name: A, value: b}"))
    (component / "patch.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend}\n")
    report = scan_paths([str(tmp_path)], select=["SEC-150"], today=TODAY)
    inputs = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert [r.status for r in inputs] == ["skip"]
    assert "kustomize Component" in inputs[0].message
    assert [r.status for r in report.results if r.rule_id == "SEC-150"] == ["pass"]  # its files judged as written


def test_a_value_that_is_its_keys_name_is_a_placeholder_not_a_secret_or_a_region(tmp_path: Path) -> None:
    env = "            - {name: GOOGLE_API_KEY, value: GOOGLE_API_KEY_VAL}\n            - {name: REGION, value: REGION_VAL}"
    (tmp_path / "web.yaml").write_text(DEPLOYMENT.format(image="nginx:1.27.3", env=env))
    found = _failing(tmp_path, "SEC-002", "SEC-006", "SEC-700")
    assert found == [("SEC-002", "GOOGLE_API_KEY (container server) is a template placeholder")]


def test_a_real_value_beside_its_key_is_still_judged(tmp_path: Path) -> None:
    env = "            - {name: REGION, value: us-east-1}\n            - {name: GOOGLE_API_KEY, value: AIzaSyD3x9Kq2LmN8pR4tV6wZ1bC5fH7jJ0kQ2s}"
    (tmp_path / "web.yaml").write_text(DEPLOYMENT.format(image="nginx:1.27.3", env=env))
    rules = sorted(rule for rule, _ in _failing(tmp_path, "SEC-002", "SEC-006", "SEC-700"))
    assert rules == ["SEC-006", "SEC-700"]


def test_a_supervisor_conf_d_file_is_not_read_as_nginx(tmp_path: Path) -> None:
    """docker-mailserver's target/supervisor/conf.d/*.conf: two parse errors for files nginx never reads."""
    folder = tmp_path / "supervisor" / "conf.d"
    folder.mkdir(parents=True)
    (folder / "saslauth.conf").write_text("[program:saslauthd_ldap]\nstartsecs=0\nautostart=false\n")
    (tmp_path / "nginx" / "conf.d").mkdir(parents=True)
    (tmp_path / "nginx" / "conf.d" / "gzip.conf").write_text("gzip on;\n")  # a real nginx snippet is still read
    report = scan_paths([str(tmp_path)], select=["PERF-200"], today=TODAY)
    assert not [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert report.files_read == 1


def test_a_test_harness_folder_at_any_depth_is_not_production(tmp_path: Path) -> None:
    """getsentry/self-hosted's _integration-test/custom-ca-roots/nginx/nginx.conf serves a test run: 10
    production header findings on it."""
    harness = tmp_path / "_integration-test" / "custom-ca-roots" / "nginx"
    harness.mkdir(parents=True)
    config = "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name self.test;\n  }\n}\n"
    (harness / "nginx.conf").write_text(config)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "nginx.conf").write_text(config)
    report = scan_paths([str(tmp_path)], select=["SEC-310"], today=TODAY)
    failing = [r.location.file for r in report.results if r.status == "fail" and r.location]
    assert failing and all("_integration-test" not in str(f) for f in failing)


def test_a_repository_calling_its_own_reusable_workflow_at_a_branch_is_not_unpinned(tmp_path: Path) -> None:
    """docker-mailserver: 9 of 28 SEC-402 findings were `docker-mailserver/docker-mailserver/.github/workflows/
    generic_build.yml@master` called from the same repository's workflows."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "generic_build.yml").write_text("on: workflow_call\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
                                                 "    steps:\n      - run: make\n")
    (workflows / "push.yml").write_text(
        "on: push\njobs:\n  build:\n    uses: acme/mail/.github/workflows/generic_build.yml@master\n"
        "  other:\n    uses: someone/else/.github/workflows/release.yml@main\n")
    report = scan_paths([str(tmp_path)], select=["SEC-402"], today=TODAY)
    failing = [r.message for r in report.results if r.status == "fail"]
    assert failing == ["someone/else/.github/workflows/release.yml is pinned to main, not a commit SHA"]


def test_the_repositorys_own_test_folder_is_development(tmp_path: Path, monkeypatch) -> None:
    compose = "services:\n  caddy:\n    image: caddy:2.8.4\n"
    (tmp_path / "test" / "config" / "oauth2").mkdir(parents=True)
    (tmp_path / "test" / "config" / "oauth2" / "compose.yaml").write_text(compose)
    monkeypatch.chdir(tmp_path)
    report = scan_paths(["."], select=["MON-031"], today=TODAY)
    assert [r.status for r in report.results if r.rule_id == "MON-031"] == ["skip"]
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "compose.yaml").write_text(compose)
    report = scan_paths(["."], select=["MON-031"], today=TODAY)
    assert [r.location.file for r in report.results if r.status == "fail" and r.location] == ["deploy/compose.yaml"]


def test_an_nginx_template_with_start_script_placeholders_is_a_skip_naming_the_placeholder(tmp_path: Path) -> None:
    """zabbix-docker: `server_tokens {EXPOSE_WEB_SERVER_INFO};` is filled in by the image's entrypoint; 10 files
    were parse errors."""
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n  server_tokens {EXPOSE_WEB_SERVER_INFO};\n}\n")
    report = scan_paths([str(tmp_path)], select=["SEC-330"], today=TODAY)
    inputs = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert [r.status for r in inputs] == ["skip"]
    assert "{EXPOSE_WEB_SERVER_INFO} at line 3" in inputs[0].message
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n  server_tokens off\n}\n")  # a plain error stays one
    report = scan_paths([str(tmp_path)], select=["SEC-330"], today=TODAY)
    assert [r.status for r in report.results if r.rule_id == "PF-INPUT"] == ["error"]


def test_an_apache_conf_d_file_is_not_read_as_nginx(tmp_path: Path) -> None:
    folder = tmp_path / "httpd" / "conf.d"
    folder.mkdir(parents=True)
    (folder / "99-zabbix.conf").write_text("<IfModule !mpm_netware_module>\n    PidFile \"/tmp/httpd.pid\"\n</IfModule>\n")
    (folder / "alias.conf").write_text("Alias /zabbix /usr/share/zabbix\n")
    report = scan_paths([str(tmp_path)], select=["SEC-330"], today=TODAY)
    assert not [r for r in report.results if r.rule_id == "PF-INPUT"] and report.files_read == 0


def test_blank_and_comment_lines_inside_a_continued_instruction_continue_it(tmp_path: Path) -> None:
    """zabbix-docker's Windows Dockerfile (`# escape=\\``): a blank line inside a PowerShell RUN made
    `Write-Host` an "unknown instruction"; Docker skips such lines and goes on."""
    (tmp_path / "Dockerfile").write_text(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN Write-Host a; `\n\n"
        "    # a comment\n    Write-Host b\nUSER ContainerUser\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo a && \\\n\n    sudo echo b\nUSER app\n")
    report = scan_paths([str(tmp_path)], select=["SEC-205"], today=TODAY)
    assert not [r for r in report.results if r.rule_id == "PF-INPUT"]
    failing = [(r.location.file, r.location.line) for r in report.results if r.status == "fail" and r.location]
    assert [(Path(str(f)).parent.name, line) for f, line in failing] == [("sub", 2)]  # the RUN still starts at line 2


def test_a_host_monitoring_agent_watches_the_units_services(tmp_path: Path) -> None:
    """zabbix-docker: 19 "not scraped by Prometheus" (MON-200) and 9 "no dashboard" (MON-207) findings on a stack
    whose zabbix-agent watches every container, and whose own web UI is the dashboard."""
    app = "services:\n  web:\n    image: ghcr.io/acme/web:1.2.3\n    ports: ['8080:8080']\n    restart: always\n"
    (tmp_path / "compose.yaml").write_text(app)
    before = [r.rule_id for r in scan_paths([str(tmp_path)], select=["MON-200"], env="production", today=TODAY).results
              if r.status == "fail"]
    assert before == ["MON-200"]
    (tmp_path / "compose.yaml").write_text(app + "  zabbix-agent:\n    image: zabbix/zabbix-agent2:alpine-7.0.4\n"
                                           "    restart: always\n")
    report = scan_paths([str(tmp_path)], select=["MON-200", "MON-201", "MON-207"], env="production", today=TODAY)
    assert [r.status for r in report.results] == ["skip", "skip", "skip"]
    assert "host monitoring agent" in report.results[0].message


def test_an_agent_deployment_is_not_a_node_agent(tmp_path: Path) -> None:
    deployment = DEPLOYMENT.format(image="ghcr.io/acme/web:1.2.3", env="            - {name: A, value: b}")
    agent = deployment.replace("name: web", "name: dd").replace("app: web", "app: dd").replace(
        "ghcr.io/acme/web:1.2.3", "gcr.io/datadoghq/agent:7.57.2")
    (tmp_path / "web.yaml").write_text(deployment + "---\n" + agent)
    report = scan_paths([str(tmp_path)], select=["MON-200"], env="production", today=TODAY)
    assert "fail" in [r.status for r in report.results]
    (tmp_path / "web.yaml").write_text(deployment + "---\n" + agent.replace("kind: Deployment", "kind: DaemonSet"))
    report = scan_paths([str(tmp_path)], select=["MON-200"], env="production", today=TODAY)
    assert [r.status for r in report.results] == ["skip"]


def test_an_archived_folder_is_not_scanned_unless_named(tmp_path: Path) -> None:
    """kubernetes/examples: 1,332 of 1,543 findings were in `_archived/`, examples nobody maintains or deploys."""
    archived = tmp_path / "_archived" / "old-app"
    archived.mkdir(parents=True)
    (archived / "pod.yaml").write_text(DEPLOYMENT.format(image="nginx", env="            - {name: A, value: b}"))
    (tmp_path / "web.yaml").write_text(DEPLOYMENT.format(image="nginx:1.27.3", env="            - {name: A, value: b}"))
    report = scan_paths([str(tmp_path)], select=["SEC-150"], today=TODAY)
    assert report.files_read == 1 and [r.status for r in report.results] == ["pass"]
    named = scan_paths([str(tmp_path / "_archived")], select=["SEC-150"], today=TODAY)
    assert [r.status for r in named.results] == ["fail"]


def test_data_containers_and_profiled_tools_are_not_services_to_keep_running(tmp_path: Path) -> None:
    """zabbix-docker: `db-data-mysql: {image: busybox, volumes: [...]}` (a data-volume container that exits at
    once) and a `profiles: [selenium]` test browser were told "no healthcheck" and "no restart policy"."""
    base = "services:\n  web:\n    image: ghcr.io/acme/web:1.2.3\n    restart: always\n"
    (tmp_path / "compose.yaml").write_text(base + "  db-data:\n    image: busybox\n    volumes: [data:/var/lib/mysql]\n"
                                           "  browser:\n    image: selenium/standalone-chrome:4.20\n"
                                           "    profiles: [selenium, selenium-chrome]\nvolumes:\n  data: {}\n")
    report = scan_paths([str(tmp_path)], select=["MON-030", "MON-031"], env="production", today=TODAY)
    failing = sorted((r.rule_id, r.message or "") for r in report.results if r.status == "fail")
    assert [rule for rule, _ in failing] == ["MON-030"]  # web alone: no healthcheck (it restarts)
    assert "web" in failing[0][1] and "db-data" not in failing[0][1] and "browser" not in failing[0][1]
    (tmp_path / "compose.yaml").write_text(base.replace("restart: always", "restart: always\n    healthcheck: {test: [CMD, /health]}")
                                           + "  worker:\n    image: ghcr.io/acme/worker:1.2.3\n    restart: always\n"
                                           "    profiles: [feature-complete]\n")
    report = scan_paths([str(tmp_path)], select=["MON-030"], env="production", today=TODAY)
    assert [r.status for r in report.results] == ["fail"]  # sentry's feature-complete profile is the product itself
    (tmp_path / "compose.yaml").write_text(base + "  db-data:\n    image: busybox\n    command: sleep infinity\n")
    report = scan_paths([str(tmp_path)], select=["MON-030"], env="production", today=TODAY)
    failing = [r.message or "" for r in report.results if r.status == "fail"]
    assert len(failing) == 2 and any("db-data" in m for m in failing)  # given a command of its own, busybox is a service


def test_an_nginx_template_that_parses_is_still_a_template(tmp_path: Path) -> None:
    """zabbix-docker: `index {HTTP_INDEX_FILE};` parses as a block that swallows the rest of the server, so
    `add_header Strict-Transport-Security` below it was not seen and 50 header findings were wrong."""
    site = ("server {\n    listen 8443 ssl;\n    index  INDEX;\n"
            "    add_header Strict-Transport-Security \"max-age=63072000\" always;\n}\n")
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "site.conf").write_text(site.replace("INDEX", "index.php"))
    report = scan_paths([str(tmp_path)], select=["SEC-310"], env="production", today=TODAY)
    assert [r.status for r in report.results if r.rule_id == "SEC-310"] == ["pass"]
    (tmp_path / "conf.d" / "site.conf").write_text(site.replace("INDEX", "{HTTP_INDEX_FILE}"))
    report = scan_paths([str(tmp_path)], select=["SEC-310"], env="production", today=TODAY)
    skipped = [r for r in report.results if r.rule_id == "PF-INPUT"]
    assert "fail" not in [r.status for r in report.results]
    assert len(skipped) == 1 and "{HTTP_INDEX_FILE} at line 3" in (skipped[0].message or "")


def test_code_generation_and_test_images_are_not_service_images(tmp_path: Path) -> None:
    """opentelemetry-demo: `src/*/genproto/Dockerfile` (protoc toolchains a script runs with `docker run --rm`) and
    `Dockerfile.cypress` were told "runs as root" like the services' own images."""
    image = "FROM docker.io/library/golang:1.23-alpine\nWORKDIR /build\nRUN apk add --no-cache protobuf-dev\n"
    for name in ("src/checkout/genproto/Dockerfile", "src/frontend/Dockerfile.cypress", "src/checkout/Dockerfile"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(image)
    report = scan_paths([str(tmp_path)], select=["SEC-200"], today=TODAY)
    statuses = sorted((Path(str(r.location.file)).relative_to(tmp_path).as_posix() if r.location and r.location.file
                       else r.target, r.status) for r in report.results)
    assert [s for _, s in statuses].count("fail") == 1
    assert ("src/checkout/Dockerfile", "fail") in statuses


def test_a_repository_folder_mounted_into_a_service_is_not_uploads(tmp_path: Path) -> None:
    """opentelemetry-demo: `./src/flagd:/app/data` (the demo's committed flag definitions) was told "holds uploaded
    files; no backup job mounts it"."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: ghcr.io/acme/web:1.2.3\n    restart: always\n    volumes:\n"
        "      - ./data:/app/data\n  backup:\n    image: restic/restic:0.17.3\n    command: backup /srv\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / ".gitkeep").write_text("")
    report = scan_paths([str(tmp_path)], select=["BAK-103"], env="production", today=TODAY)
    assert [r.status for r in report.results] == ["fail"]  # an empty folder: where users' files will land
    (tmp_path / "data" / "flags.json").write_text('{"flags": {}}')
    report = scan_paths([str(tmp_path)], select=["BAK-103"], env="production", today=TODAY)
    assert "fail" not in [r.status for r in report.results]
