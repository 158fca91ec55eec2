"""Edge cases of the Dockerfile rules (rules/security-dockerfile.yaml, rules/performance-dockerfile.yaml).

Each test pins the status, line and message of every finding, yamllint style.
Multi-stage builds: only the final stage, and the stages it is built FROM, ship.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.models import Result
from helpers import FIXTURES, run_rule, run_snippet, statuses


def _run(rule_id: str, text: str, tmp_path: Path) -> list[Result]:
    return run_snippet(rule_id, text, "dockerfile", tmp_path / "app")


def _findings(results: list[Result]) -> list[tuple[int | None, str | None]]:
    assert set(statuses(results)) <= {"pass", "fail"}, results
    return [(r.location.line if r.location else None, r.message) for r in results if r.status == "fail"]


# --- SEC-200 dockerfile-root-user ----------------------------------------------------------


def test_given_no_user_then_fails_on_the_final_from_line() -> None:
    (r,) = run_rule("SEC-200", FIXTURES / "SEC-200" / "fail-no-user.Dockerfile")
    assert (r.status, r.location.file.endswith("fail-no-user.Dockerfile"), r.location.line) == ("fail", True, 2)
    assert r.message == "final stage FROM python:3.12-slim has no USER, so it runs as root (the user of python:3.12-slim)"
    assert r.severity == "medium"  # python's default user is known: root, at the rule's severity


def test_given_official_database_base_that_steps_down_then_passes() -> None:
    assert statuses(run_rule("SEC-200", FIXTURES / "SEC-200" / "pass-official-db-steps-down.Dockerfile")) == ["pass"]


def test_given_entrypoint_that_switches_user_with_su_exec_then_passes() -> None:
    assert statuses(run_rule("SEC-200", FIXTURES / "SEC-200" / "pass-entrypoint-su-exec.Dockerfile")) == ["pass"]


def test_given_database_base_with_its_entrypoint_replaced_then_the_step_down_is_not_assumed(tmp_path: Path) -> None:
    (r,) = _run("SEC-200", 'FROM postgres:16.4\nENTRYPOINT ["/usr/local/bin/custom.sh"]\n', tmp_path)
    assert (r.status, r.severity) == ("fail", "low") and "cannot tell whether postgres:16.4 runs as root" in r.message


def test_given_unknown_base_without_user_then_cannot_tell_at_lower_severity() -> None:
    (r,) = run_rule("SEC-200", FIXTURES / "SEC-200" / "fail-unknown-base-cannot-tell.Dockerfile")
    assert (r.status, r.severity, r.location.line) == ("fail", "low", 2)
    assert r.message == ("final stage FROM ghcr.io/example/runtime-base:4.2 has no USER; cannot tell whether "
                         "ghcr.io/example/runtime-base:4.2 runs as root (its default user is not in this file)")
    assert r.evidence["confidence"] == "low"


@pytest.mark.parametrize("base", ["bitnami/nginx:1.27.3", "cgr.dev/chainguard/python:latest", "nginxinc/nginx-unprivileged:1.27"])
def test_given_base_published_to_run_unprivileged_then_passes(base: str, tmp_path: Path) -> None:
    assert statuses(_run("SEC-200", f"FROM {base}\nCOPY . /app\n", tmp_path)) == ["pass"]


def test_given_user_only_in_builder_stage_then_final_stage_fails() -> None:
    (r,) = run_rule("SEC-200", FIXTURES / "SEC-200" / "fail-user-in-builder-only.Dockerfile")
    assert (r.status, r.location.line) == ("fail", 9)
    assert r.message.startswith("final stage runtime has no USER")


def test_given_final_stage_user_app_then_passes(tmp_path: Path) -> None:
    text = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=build /app /app\nUSER app\n"
    assert statuses(_run("SEC-200", text, tmp_path)) == ["pass"]


def test_given_last_user_root_then_fails_on_that_user_line() -> None:
    (r,) = run_rule("SEC-200", FIXTURES / "SEC-200" / "fail-user-root-last.Dockerfile")
    assert (r.status, r.location.line, r.message) == ("fail", 5, "the last USER of the final stage is root")


@pytest.mark.parametrize("user", ["0", "root:root", "0:0", "ROOT"])
def test_given_root_spelled_differently_then_fails(user: str, tmp_path: Path) -> None:
    assert _findings(_run("SEC-200", f"FROM alpine:3.20\nUSER {user}\n", tmp_path)) == [
        (2, f"the last USER of the final stage is {user}")
    ]


def test_given_user_from_arg_default_then_it_is_resolved(tmp_path: Path) -> None:
    text = "FROM alpine:3.20\nARG RUN_AS=root\nUSER ${RUN_AS}\n"
    assert _findings(_run("SEC-200", text, tmp_path)) == [(3, "the last USER of the final stage is root")]


def test_given_user_from_arg_without_default_then_not_judged(tmp_path: Path) -> None:
    assert statuses(_run("SEC-200", "FROM alpine:3.20\nARG UID\nUSER ${UID}\n", tmp_path)) == ["pass"]


def test_given_final_stage_built_from_stage_with_user_then_passes() -> None:
    assert statuses(run_rule("SEC-200", FIXTURES / "SEC-200" / "pass-user-from-base-stage.Dockerfile")) == ["pass"]


def test_given_distroless_nonroot_base_then_passes(tmp_path: Path) -> None:
    assert statuses(_run("SEC-200", "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n", tmp_path)) == ["pass"]


def test_given_inline_ignore_then_waived(tmp_path: Path) -> None:
    text = "FROM alpine:3.20\n# preflight: ignore[SEC-200] the entrypoint drops privileges with su-exec\nUSER root\n"
    (r,) = _run("SEC-200", text, tmp_path)
    assert (r.status, r.waiver.reason) == ("waived", "the entrypoint drops privileges with su-exec")


# --- SEC-201 dockerfile-healthcheck --------------------------------------------------------


def test_given_healthcheck_only_in_builder_then_final_stage_fails() -> None:
    (r,) = run_rule("SEC-201", FIXTURES / "SEC-201" / "fail-healthcheck-in-builder-only.Dockerfile")
    assert (r.status, r.location.line, r.message) == ("fail", 5, "final stage FROM nginx:1.27.3-alpine has no HEALTHCHECK")


def test_given_healthcheck_none_then_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-201", FIXTURES / "SEC-201" / "fail-healthcheck-none.Dockerfile")
    assert (r.status, r.location.line, r.message) == ("fail", 3, "HEALTHCHECK NONE switches the health check off")


def test_given_healthcheck_inherited_from_base_stage_then_passes(tmp_path: Path) -> None:
    text = "FROM node:20.14.0-alpine AS base\nHEALTHCHECK CMD wget -qO- http://127.0.0.1:3000/ || exit 1\nFROM base\nUSER node\n"
    assert statuses(_run("SEC-201", text, tmp_path)) == ["pass"]


def test_given_compose_service_that_builds_it_with_a_healthcheck_then_passes() -> None:
    results = run_rule("SEC-201", FIXTURES / "SEC-201" / "pass-built-by-compose-with-healthcheck")
    assert [(r.status, r.message) for r in results] == [("pass", "built by compose service web, whose healthcheck decides (MON-030)")]


def test_given_compose_service_without_healthcheck_then_only_mon_030_reports_it(tmp_path: Path) -> None:
    folder = tmp_path / "app"
    shutil.copytree(FIXTURES / "SEC-201" / "pass-built-by-compose-with-healthcheck", folder)
    compose = folder / "compose.yaml"
    compose.write_text(compose.read_text().split("    healthcheck:")[0])
    assert [r.status for r in run_rule("SEC-201", folder)] == ["pass"]
    assert [(r.status, r.message) for r in run_rule("MON-030", folder)] == [("fail", "service web has no healthcheck")]


def test_given_kubernetes_runs_it_then_skip_naming_the_kubelet() -> None:
    (r,) = run_rule("SEC-201", FIXTURES / "SEC-201" / "skip-run-by-kubernetes")
    assert r.status == "skip" and r.location.file.endswith("Dockerfile")
    assert r.message.startswith("Kubernetes runs this image and ignores HEALTHCHECK")


def test_given_dockerfile_alone_then_it_still_fails() -> None:
    (r,) = run_rule("SEC-201", FIXTURES / "SEC-201" / "skip-run-by-kubernetes" / "Dockerfile")
    assert (r.status, r.location.line) == ("fail", 2)


# --- SEC-202 dockerfile-base-image-pinned --------------------------------------------------


def test_given_latest_in_final_stage_then_fails_on_that_from() -> None:
    (r,) = run_rule("SEC-202", FIXTURES / "SEC-202" / "fail-latest.Dockerfile")
    assert (r.status, r.location.line, r.message) == ("fail", 4, "FROM python:latest uses the floating tag `latest`")


def test_given_untagged_image_from_global_arg_then_fails_with_the_resolved_name() -> None:
    (r,) = run_rule("SEC-202", FIXTURES / "SEC-202" / "fail-untagged.Dockerfile")
    assert (r.status, r.location.line) == ("fail", 2)
    assert r.message == "FROM ghcr.io/example/base has no tag, so it builds on whatever `latest` is"


def test_given_each_stage_then_each_floating_from_is_reported(tmp_path: Path) -> None:
    text = "FROM node AS build\nRUN npm ci\nFROM build AS test\nFROM nginx:stable-alpine\nFROM scratch\n"
    assert _findings(_run("SEC-202", text, tmp_path)) == [
        (1, "FROM node has no tag, so it builds on whatever `latest` is"),
    ]


def test_given_registry_with_port_then_port_is_not_a_tag(tmp_path: Path) -> None:
    (r,) = _run("SEC-202", "FROM registry.local:5000/team/app\n", tmp_path)
    assert (r.status, r.message) == ("fail", "FROM registry.local:5000/team/app has no tag, so it builds on whatever `latest` is")


def test_given_pinned_digest_scratch_stage_and_unresolved_arg_then_passes() -> None:
    assert statuses(run_rule("SEC-202", FIXTURES / "SEC-202" / "pass-pinned.Dockerfile")) == ["pass"]


# --- SEC-203 dockerfile-secret-in-env ------------------------------------------------------


def test_given_secret_in_continued_env_then_fails_on_the_key_line_and_masks_it() -> None:
    (r,) = run_rule("SEC-203", FIXTURES / "SEC-203" / "fail-env-secret.Dockerfile")
    assert (r.status, r.location.line, r.location.column) == ("fail", 3, 5)
    assert r.message == "ENV STRIPE_SECRET_KEY (stage FROM node:20.14.0-alpine) is given a literal value"
    assert "51H8xQ2" not in (r.observed or "") and "51H8xQ2" not in r.message


def test_given_arg_default_then_fails() -> None:
    (r,) = run_rule("SEC-203", FIXTURES / "SEC-203" / "fail-arg-default.Dockerfile")
    assert (r.status, r.location.line, r.message) == (
        "fail", 2, "ARG PYPI_TOKEN (stage FROM python:3.12-slim) is given a literal value as its default",
    )


def test_given_legacy_env_form_then_fails(tmp_path: Path) -> None:
    (r,) = _run("SEC-203", "FROM alpine:3.20\nENV DB_PASSWORD s3cr3t-Pa55w0rd\n", tmp_path)
    assert (r.status, r.location.line) == ("fail", 2)


def test_given_global_arg_secret_then_scope_says_global(tmp_path: Path) -> None:
    (r,) = _run("SEC-203", "ARG GITHUB_TOKEN=ghp_Zr8Kq2Lw5Xn9Vb3Mt7Hc1Ds4\nFROM alpine:3.20\n", tmp_path)
    assert (r.status, r.location.line, r.message) == ("fail", 1, "ARG GITHUB_TOKEN (global ARG) is given a literal value as its default")


def test_given_values_from_variables_and_flags_then_passes() -> None:
    assert statuses(run_rule("SEC-203", FIXTURES / "SEC-203" / "pass-runtime-secret.Dockerfile")) == ["pass"]


# --- SEC-204 dockerfile-add-remote ---------------------------------------------------------


def test_given_add_url_then_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-204", FIXTURES / "SEC-204" / "fail-add-url.Dockerfile")
    assert (r.status, r.location.line) == ("fail", 2)
    assert r.message == "ADD downloads https://github.com/krallin/tini/releases/download/v0.19.0/tini-static without --checksum"


def test_given_add_git_branch_then_fails_but_a_commit_passes() -> None:
    (r,) = run_rule("SEC-204", FIXTURES / "SEC-204" / "fail-add-git-branch.Dockerfile")
    assert (r.status, r.message) == ("fail", "ADD clones https://github.com/example/tools.git#main at a ref that can move")
    assert statuses(run_rule("SEC-204", FIXTURES / "SEC-204" / "pass-add-checksum.Dockerfile")) == ["pass"]


URL = "https://github.com/krallin/tini/releases/download/v0.19.0/tini-static"


@pytest.mark.parametrize("add", [f'ADD "{URL}" /sbin/tini', f"ADD '{URL}' /sbin/tini", f'ADD ["{URL}", "/sbin/tini"]',
                                 f'ADD --chmod=755 "{URL}" /sbin/tini', f'ADD vendor.tar.gz "{URL}" /opt/'])
def test_given_quoted_or_json_url_then_the_url_is_seen_without_its_quotes(add: str, tmp_path: Path) -> None:
    """Sources are split as the shell splits words: the quotes were hiding the URL (issue 14)."""
    assert _findings(_run("SEC-204", f"FROM alpine:3.20\n{add}\n", tmp_path)) == [(2, f"ADD downloads {URL} without --checksum")]


@pytest.mark.parametrize("add", ['ADD "vendor dir/app.tar.gz" /opt/', 'ADD ["https.tar.gz", "/opt/"]', "ADD <<EOF /etc/motd\nhello\nEOF",
                                 f'ADD --checksum=sha256:{"a" * 64} "{URL}" /sbin/tini'])
def test_given_quoted_local_source_or_checksum_then_passes(add: str, tmp_path: Path) -> None:
    assert statuses(_run("SEC-204", f"FROM alpine:3.20\n{add}\n", tmp_path)) == ["pass"]


# --- SEC-205 dockerfile-sudo --------------------------------------------------------------------


def test_given_sudo_after_and_then_fails_on_that_run_only() -> None:
    results = run_rule("SEC-205", FIXTURES / "SEC-205" / "fail-sudo-after-and.Dockerfile")
    assert _findings(results) == [(4, "RUN in stage FROM ubuntu:24.04 runs sudo")]


def test_given_sudo_in_a_builder_stage_or_onbuild_then_fails_too() -> None:
    assert _findings(run_rule("SEC-205", FIXTURES / "SEC-205" / "fail-sudo-in-builder.Dockerfile")) == [(4, "RUN in stage build runs sudo")]
    assert _findings(run_rule("SEC-205", FIXTURES / "SEC-205" / "fail-onbuild-sudo.Dockerfile")) == [(2, "RUN in stage FROM debian:12.7-slim runs sudo")]


@pytest.mark.parametrize(("run", "expected"), [
    ("RUN x=$(sudo cat /etc/shadow)", "fail"),
    ("RUN echo `sudo id`", "fail"),
    ('RUN ["sudo", "make", "install"]', "fail"),
    ('RUN ["/bin/sh", "-c", "make && sudo make install"]', "fail"),
    ("RUN sudo -u root make install", "fail"),
    ("RUN sudo --user=0 make install", "fail"),
    ("RUN sudo -E make install", "fail"),
    ("RUN sudo -u discourse bundle install", "pass"),  # root stepping down to a user: no privilege gained
    ("RUN sudo -E -u discourse -H git config --global user.name x", "pass"),
    ("RUN sudo -Eudiscourse make", "pass"),
    ("RUN sudo --user discourse make", "pass"),
    ("RUN apt-get install -y sudo vim", "pass"),  # installing the package is not running it (Checkov flags this)
    ("RUN echo ' && sudo x'", "pass"),
    ("RUN visudo -c && sudoedit -h || true", "pass"),
    ("RUN cat <<EOF > /etc/motd\nno sudo here\nEOF", "pass"),
])
def test_sudo_as_a_command_not_as_a_word(run: str, expected: str, tmp_path: Path) -> None:
    assert statuses(_run("SEC-205", f"FROM debian:12.7-slim\n{run}\n", tmp_path)) == [expected]


# --- SEC-206 dockerfile-ssh-port ----------------------------------------------------------------


def test_given_expose_22_then_fails_on_its_line() -> None:
    assert _findings(run_rule("SEC-206", FIXTURES / "SEC-206" / "fail-expose-22.Dockerfile")) == [
        (3, "stage FROM debian:12.7-slim exposes the SSH port 22")]
    assert _findings(run_rule("SEC-206", FIXTURES / "SEC-206" / "fail-ssh-port-from-arg.Dockerfile")) == [
        (4, "stage FROM alpine:3.20 exposes the SSH port 22")]


@pytest.mark.parametrize(("expose", "expected"), [
    ("EXPOSE 20-25", "fail"), ("EXPOSE 22/TCP", "fail"), ("EXPOSE 80 443 22", "fail"),
    ("EXPOSE 22/udp", "pass"), ("EXPOSE 2222", "pass"), ("EXPOSE 220", "pass"), ("EXPOSE $PORT", "pass"),
])
def test_expose_forms(expose: str, expected: str, tmp_path: Path) -> None:
    assert statuses(_run("SEC-206", f"FROM alpine:3.20\n{expose}\n", tmp_path)) == [expected]


def test_given_expose_22_only_in_a_builder_stage_then_passes() -> None:
    assert statuses(run_rule("SEC-206", FIXTURES / "SEC-206" / "pass-builder-and-udp.Dockerfile")) == ["pass"]


# --- SEC-207 dockerfile-shell-form-entrypoint ---------------------------------------------------


def test_given_shell_form_cmd_then_fails_on_its_line() -> None:
    (r,) = run_rule("SEC-207", FIXTURES / "SEC-207" / "fail-cmd-shell-form.Dockerfile")
    assert (r.status, r.severity, r.location.line) == ("fail", "low", 5)
    assert r.message == "CMD of the final stage is in shell form, so /bin/sh -c runs it and it does not receive SIGTERM"


def test_given_shell_form_entrypoint_then_the_entrypoint_is_reported_not_the_cmd() -> None:
    assert [line for line, _ in _findings(run_rule("SEC-207", FIXTURES / "SEC-207" / "fail-entrypoint-shell-form.Dockerfile"))] == [4]


def test_given_exec_entrypoint_and_shell_cmd_then_the_cmd_fails() -> None:
    assert [line for line, _ in _findings(run_rule("SEC-207", FIXTURES / "SEC-207" / "fail-shell-cmd-after-exec-entrypoint.Dockerfile"))] == [4]


@pytest.mark.parametrize("name", ["pass-exec-form.Dockerfile", "pass-exec-prefix.Dockerfile", "pass-shell-set.Dockerfile"])
def test_exec_form_exec_prefix_and_shell_set_pass(name: str) -> None:
    assert statuses(run_rule("SEC-207", FIXTURES / "SEC-207" / name)) == ["pass"]


def test_given_no_cmd_at_all_then_passes(tmp_path: Path) -> None:
    assert statuses(_run("SEC-207", "FROM nginx:1.27.3\nCOPY site /usr/share/nginx/html\n", tmp_path)) == ["pass"]


def test_given_shell_form_cmd_in_the_stage_the_final_is_built_from_then_fails(tmp_path: Path) -> None:
    text = "FROM node:20.14.0 AS base\nCMD node server.js\nFROM base\nUSER node\n"
    assert [line for line, _ in _findings(_run("SEC-207", text, tmp_path))] == [2]


# --- PERF-220..223 package caches --------------------------------------------------------------


def test_given_apt_lists_removed_in_a_later_run_then_the_install_run_fails() -> None:
    (r,) = run_rule("PERF-220", FIXTURES / "PERF-220" / "fail-apt-lists.Dockerfile")
    assert (r.status, r.location.line) == ("fail", 2)
    assert r.message == "RUN in stage FROM debian:12-slim installs apt packages without removing /var/lib/apt/lists in the same RUN"


@pytest.mark.parametrize(
    ("rule_id", "run", "expected"),
    [
        ("PERF-220", "apt-get install -y curl && apt-get clean", "fail"),
        ("PERF-220", "apt-get -o Dpkg::Options::=--force-confold install -y curl", "fail"),
        ("PERF-220", "apt install -y curl && rm -rf /var/lib/apt/lists/*", "pass"),
        ("PERF-220", "apt-get update && apt-get remove -y install-info", "pass"),
        ("PERF-221", "apk add --no-cache curl", "pass"),
        ("PERF-221", "apk --no-cache add curl", "pass"),
        ("PERF-221", "apk add --update curl", "fail"),
        ("PERF-221", "apk upgrade --no-cache && apk add curl", "fail"),
        ("PERF-221", "apk add curl && rm -rf /var/cache/apk/*", "pass"),
        ("PERF-222", "pip install flask", "fail"),
        ("PERF-222", "pip3 install --no-cache-dir flask", "pass"),
        ("PERF-222", "/opt/venv/bin/pip install flask", "fail"),
        ("PERF-222", "python3 -m pip install --no-cache-dir -U pip", "pass"),
        ("PERF-222", "pip install flask && pip cache purge", "pass"),
        ("PERF-222", "uv pip install --system flask", "pass"),
        ("PERF-222", "pipx install poetry", "pass"),
        ("PERF-223", "npm install", "fail"),
        ("PERF-223", "npm i -g pnpm@9", "fail"),
        ("PERF-223", "npm ci && npm cache clean --force", "pass"),
        ("PERF-223", "npm ci && rm -rf ~/.npm", "pass"),
        ("PERF-223", "npm run build", "pass"),
        ("PERF-223", "pnpm install --frozen-lockfile", "pass"),
    ],
)
def test_package_manager_commands(rule_id: str, run: str, expected: str, tmp_path: Path) -> None:
    got = statuses(_run(rule_id, f"FROM debian:12-slim\nRUN {run}\n", tmp_path))
    assert got == [expected], run


def test_given_pip_no_cache_dir_env_then_pip_install_passes(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n"
    assert statuses(_run("PERF-222", text, tmp_path)) == ["pass"]


def test_given_exec_form_and_heredoc_runs_then_they_are_read(tmp_path: Path) -> None:
    text = 'FROM python:3.12-slim\nRUN ["pip", "install", "flask"]\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nUSER app\n'
    assert _findings(_run("PERF-222", text, tmp_path)) == [
        (2, "RUN in stage FROM python:3.12-slim runs pip install without --no-cache-dir"),
    ]
    assert _findings(_run("PERF-220", text, tmp_path / "apt")) == [
        (3, "RUN in stage FROM python:3.12-slim installs apt packages without removing /var/lib/apt/lists in the same RUN"),
    ]


def test_given_caches_only_in_unshipped_builder_then_passes() -> None:
    assert statuses(run_rule("PERF-220", FIXTURES / "PERF-220" / "pass-apt-lists-removed.Dockerfile")) == ["pass"]
    assert statuses(run_rule("PERF-223", FIXTURES / "PERF-223" / "pass-npm-cache-clean.Dockerfile")) == ["pass"]


def test_given_cache_in_stage_the_final_one_is_built_from_then_fails(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim AS base\nRUN pip install flask\nFROM base\nUSER app\n"
    assert _findings(_run("PERF-222", text, tmp_path)) == [(2, "RUN in stage base runs pip install without --no-cache-dir")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ENV MAX_TOKENS=4096", "pass"),
        ("ENV AUTH_TOKEN_ENABLED=true", "pass"),
        ("ENV API_KEY=", "pass"),
        ("ENV DATABASE_URL=postgres://app:Xk3r9Lq2Vw7z@db:5432/app", "fail"),
        ("ENV DATABASE_URL=postgres://db:5432/app", "pass"),
        ("ENV JWT_SECRET=change-me", "fail"),
    ],
)
def test_secret_env_values(line: str, expected: str, tmp_path: Path) -> None:
    assert statuses(_run("SEC-203", f"FROM alpine:3.20\n{line}\n", tmp_path)) == [expected]


def test_given_stage_arg_without_value_then_the_global_default_resolves_user(tmp_path: Path) -> None:
    text = "ARG RUN_AS=0\nFROM alpine:3.20\nARG RUN_AS\nUSER $RUN_AS\n"
    assert _findings(_run("SEC-200", text, tmp_path)) == [(4, "the last USER of the final stage is 0")]


def test_a_base_image_other_dockerfiles_build_from_is_not_asked_for_a_healthcheck(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "web").mkdir()
    (tmp_path / "base" / "Dockerfile").write_text("FROM debian:12.8-slim\nRUN apt-get update\n")
    (tmp_path / "web" / "Dockerfile").write_text(
        "ARG REPO=ghcr.io/example\nFROM ${REPO}/base:1.4\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n")
    results = [r for r in run_rule("SEC-201", tmp_path) if r.rule_id == "SEC-201"]
    by_file = {r.location.file if r.location else r.target: (r.status, r.message) for r in results}
    base = next(v for k, v in by_file.items() if k.endswith("base/Dockerfile"))
    web = next(v for k, v in by_file.items() if k.endswith("web/Dockerfile"))
    assert base[0] == "skip" and "web/Dockerfile builds FROM it" in (base[1] or "")
    assert web[0] == "fail"
