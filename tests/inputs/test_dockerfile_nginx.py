"""Dockerfile and nginx inputs: the data shape probes rely on, positions, settings, and parse errors."""
from __future__ import annotations

import os

from pathlib import Path

import pytest

from checker.errors import InputError
from checker.inputs import dockerfile, nginx
from checker.inputs.discover import classify


def _dockerfile(text: str) -> dockerfile.Document:
    (doc,) = dockerfile.parse("Dockerfile", Path("Dockerfile"), text, "production")
    return doc


@pytest.mark.parametrize(
    ("name", "kind"),
    [("site.nginx.conf", "nginx"), ("api.nginx", "nginx"), ("nginx.conf", "nginx"), ("upstream.conf", "conf?")]  # conf?: nginx or not, by content,
)
def test_classify_nginx_names(name: str, kind: str | None) -> None:
    assert classify(Path("deploy") / name) == kind


def test_dockerfile_stages_instructions_and_positions() -> None:
    doc = _dockerfile(
        "# syntax=docker/dockerfile:1\nARG BASE=python:3.12-slim\n"
        "FROM --platform=$BUILDPLATFORM ${BASE} AS build\n"
        "RUN --mount=type=cache,target=/root/.cache/pip \\\n    pip install -r requirements.txt\n"
        "FROM build\n  USER app\n"
    )
    first, second = doc.data["stages"]
    assert (first["name"], first["from"], first["image"], first["base_stage"], first["line"]) == ("build", "${BASE}", "python:3.12-slim", None, 3)
    assert (second["name"], second["image"], second["base_stage"]) == (None, "build", 0)
    run = first["instructions"][1]
    assert (run["instruction"], run["line"], run["end_line"], run["stage"], run["stage_name"]) == ("RUN", 4, 5, 0, "build")
    assert run["flags"] == {"mount": ["type=cache,target=/root/.cache/pip"]}
    assert run["arguments"] == "pip install -r requirements.txt"
    assert doc.data["instructions"][0]["stage"] is None  # the global ARG
    assert doc.positions[("stages", 1, "instructions", 1)] == (7, 3)
    assert doc.meta["final_stage"] == 1


def test_dockerfile_env_and_arg_become_settings_with_their_own_lines() -> None:
    doc = _dockerfile('FROM alpine:3.20\nARG VERSION\nENV A=1 \\\n    TOKEN="x y" \\\n    FROM_ARG=$VERSION\n')
    got = [(s.key, s.value, s.resolved, doc.position(s.path)[0], s.scope) for s in doc.settings]
    assert got == [
        ("VERSION", "", False, 2, "stage FROM alpine:3.20"),
        ("A", "1", True, 3, "stage FROM alpine:3.20"),
        ("TOKEN", "x y", True, 4, "stage FROM alpine:3.20"),
        ("FROM_ARG", "$VERSION", False, 5, "stage FROM alpine:3.20"),
    ]


def test_dockerfile_comments_inside_continuations_are_dropped() -> None:
    doc = _dockerfile("FROM alpine:3.20\nRUN apk add \\\n# a comment\n    curl\n")
    assert doc.data["instructions"][1]["arguments"] == "apk add     curl"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("FROM alpine:3.20\nRUNN echo\n", "unknown instruction RUNN", 2),
        ("RUN echo\nFROM alpine:3.20\n", "RUN before the first FROM (only ARG may come before it)", 1),
        ("ARG X=1\n", "no FROM instruction: not a Dockerfile", 1),
        ("FROM alpine:3.20 AS\n", "FROM takes an image and an optional `AS name`", 1),
        ("FROM alpine:3.20\nUSER \n", "USER has no arguments", 2),
        ("FROM alpine:3.20\nENV A=1 B\n", 'ENV: Syntax error - can\'t find = in "B". Must be of the form: name=value', 2),
    ],
)
def test_dockerfile_errors_name_their_line(text: str, message: str, line: int) -> None:
    with pytest.raises(InputError) as caught:
        _dockerfile(text)
    assert (caught.value.message, caught.value.line) == (message, line)


def test_nginx_includes_are_spliced_with_their_own_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n    include /etc/nginx/mime.types;\n    include conf.d/*.conf;\n}\n")
    (tmp_path / "conf.d" / "app.conf").write_text("server {\n  listen 80;\n}\n")
    (doc,) = nginx.parse("deploy/nginx.conf", tmp_path / "nginx.conf", "", "production")
    http = doc.data["directives"][1]["block"]
    assert http[0] == {"directive": "include", "args": ["/etc/nginx/mime.types"], "line": 3, "file": "deploy/nginx.conf", "unresolved": True}
    assert http[1]["includes"] == ["deploy/conf.d/app.conf"]
    assert (http[2]["directive"], http[2]["file"], http[2]["line"]) == ("server", "deploy/conf.d/app.conf", 1)
    assert doc.positions == {("directives", 0): (1, 1), ("directives", 1): (2, 1), ("directives", 1, "block", 0): (3, 5), ("directives", 1, "block", 1): (4, 5)}
    included = doc.meta["files"]["deploy/conf.d/app.conf"]
    assert (included.kind, included.positions[("directives", 1, "block", 2, "block", 0)]) == ("nginx-include", (2, 3))
    assert doc.meta["unresolved_includes"] == ["/etc/nginx/mime.types"]
    # the included file gives no document of its own when nginx.conf is in the scan: it is judged through it
    roots = (os.path.realpath(tmp_path),)
    assert nginx.parse("deploy/conf.d/app.conf", tmp_path / "conf.d" / "app.conf", "", "production", roots) == []
    # scanned alone (its folder the only root), nginx.conf above it is not read: the file is judged by itself
    assert len(nginx.parse("deploy/conf.d/app.conf", tmp_path / "conf.d" / "app.conf", "", "production")) == 1


def test_nginx_missing_semicolon_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n  gzip on\n}\n")
    with pytest.raises(InputError) as caught:
        nginx.parse("nginx.conf", tmp_path / "nginx.conf", "", "production")
    assert (caught.value.message, caught.value.line) == ('directive "gzip" is not terminated by ";"', 3)
