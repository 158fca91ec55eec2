"""Edge cases of the nginx rules (rules/security-nginx.yaml, rules/performance-nginx.yaml).

Each test pins the status, file, line and message of every finding. Includes
are followed inside the config's folder, and a finding in an included file
points at that file; add_header inheritance is modelled (a level that sets any
add_header drops every header of the levels above it).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.models import Result
from helpers import FIXTURES, run_rule, run_snippet, statuses


def _run(rule_id: str, text: str, tmp_path: Path) -> list[Result]:
    return run_snippet(rule_id, text, "nginx", tmp_path / "deploy")


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "deploy"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _findings(results: list[Result], root: Path | None = None) -> list[tuple[str, int | None, str | None]]:
    assert set(statuses(results)) <= {"pass", "fail"}, results
    out = []
    for r in results:
        if r.status != "fail":
            continue
        file = r.location.file or ""
        out.append((str(Path(file).relative_to(root)) if root else Path(file).name, r.location.line, r.message))
    return out


TLS_SERVER = "server {{ listen 443 ssl; server_name app.example.com;\n{body}\n}}\n"


def _http(body: str) -> str:
    return "events {}\nhttp {\n" + body + "}\n"


# --- includes ---------------------------------------------------------------------------------


def test_given_protocols_in_an_included_snippet_then_finding_points_at_the_snippet() -> None:
    root = FIXTURES / "SEC-300" / "fail-included-snippet"
    (r,) = run_rule("SEC-300", root)
    assert _findings([r], root) == [("snippets/ssl-params.conf", 3, "ssl_protocols in server api.example.com allows SSLv3")]
    assert r.target.endswith("fail-included-snippet/nginx.conf")


def test_given_conf_d_beside_nginx_conf_then_servers_are_judged_once_with_http_context() -> None:
    root = FIXTURES / "SEC-310" / "fail-location-drops-header"
    assert _findings(run_rule("SEC-310", root), root) == [(
        "conf.d/app.conf", 10,
        "location /downloads/ in server app.example.com (listen 443) sets its own add_header, so it drops the "
        "Strict-Transport-Security set above it",
    )]


def test_given_conf_d_file_without_nginx_conf_then_it_is_scanned_alone(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"conf.d/app.conf": "server { listen 80; location / { proxy_pass http://app:3000; } }\n"})
    assert _findings(run_rule("SEC-320", root), root) == [
        ("conf.d/app.conf", 1, "server at line 1 (listen 80) passes requests to http://app:3000 with no limit_req"),
    ]
    # no http block in view: gzip and server_tokens are not judged on their absence
    assert statuses(run_rule("PERF-200", root)) == ["skip"]


def test_given_absolute_include_then_it_is_looked_for_under_the_config_folder_only(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "nginx/nginx.conf": _http("  include /etc/nginx/conf.d/*.conf;\n  include /etc/passwd;\n  include ../outside.conf;\n"),
        "nginx/conf.d/site.conf": "server { listen 80; server_tokens on; }\n",
        "outside.conf": "server_tokens on;\n",
    })
    assert _findings(run_rule("SEC-330", root / "nginx"), root) == [
        ("nginx/conf.d/site.conf", 1, "server_tokens on in server at line 1 (listen 80)"),
    ]


def test_given_include_cycle_then_it_is_not_followed_twice(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "nginx.conf": _http("  include a.conf;\n"),
        "a.conf": "include b.conf;\nclient_max_body_size 0;\n",
        "b.conf": "include a.conf;\n",
    })
    assert _findings(run_rule("SEC-331", root), root) == [
        ("a.conf", 2, "client_max_body_size 0 in the http block accepts request bodies of any size"),
    ]


def test_given_syntax_error_in_included_file_then_error_names_it_at_the_include_line(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"nginx.conf": _http("  gzip on;\n  include conf.d/*.conf;\n"), "conf.d/bad.conf": "server {\n  listen 80\n"})
    results = run_rule("PERF-200", root)
    (error,) = [r for r in results if r.status == "error"]
    assert (Path(error.location.file).name, error.location.line) == ("nginx.conf", 4)
    assert error.message.startswith("in included file ") and "conf.d/bad.conf:" in error.message


def test_given_unbalanced_braces_then_input_error_with_line(tmp_path: Path) -> None:
    (error,) = [r for r in _run("PERF-200", "events {}\nhttp {\n  server {\n    listen 80;\n  }\n", tmp_path) if r.status == "error"]
    assert (error.rule_id, error.location.line) == ("PF-INPUT", 5)


def test_given_inline_ignore_in_included_file_then_waived(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "nginx.conf": _http("  include snippets/*.conf;\n"),
        "snippets/tls.conf": "# preflight: ignore[SEC-300] old kiosks until 2027-01\nssl_protocols TLSv1.1 TLSv1.2;\n",
    })
    (r,) = run_rule("SEC-300", root)
    assert (r.status, r.location.line, r.waiver.reason) == ("waived", 2, "old kiosks until 2027-01")


# --- SEC-300 / SEC-301 TLS --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ciphers", "weak"),
    [
        ("HIGH:!aNULL:!MD5", ""),
        ("EECDH+AESGCM:EDH+AESGCM", ""),
        ("ALL:!aNULL:!EXPORT:RC4+RSA:+HIGH:+MEDIUM", "RC4+RSA"),
        ("DES-CBC3-SHA:!3DES", ""),
        ("ECDHE-RSA-DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA"),
        ("HIGH:MEDIUM:!aNULL", "MEDIUM"),
        ("DEFAULT", ""),
        ("ALL", "ALL (anonymous suites not excluded with !aNULL)"),
        ("aNULL:eNULL", "aNULL, eNULL"),
        ("EXP-RC4-MD5", "EXP-RC4-MD5"),
    ],
)
def test_cipher_strings(ciphers: str, weak: str, tmp_path: Path) -> None:
    results = _run("SEC-301", _http(TLS_SERVER.format(body=f"ssl_ciphers '{ciphers}';")), tmp_path)
    expected = [("nginx.conf", 4, f"ssl_ciphers in server app.example.com enables {weak}")] if weak else []
    assert _findings(results) == expected


def test_given_no_tls_server_then_tls_rules_do_not_apply(tmp_path: Path) -> None:
    assert statuses(_run("SEC-310", _http("server { listen 80; root /srv; }\n"), tmp_path)) == ["skip"]


# --- SEC-302 https-redirect --------------------------------------------------------------------------


def test_given_http_server_without_redirect_then_fails_on_its_listen_line() -> None:
    assert _findings(run_rule("SEC-302", FIXTURES / "SEC-302" / "fail-serves-http.nginx.conf")) == [
        ("fail-serves-http.nginx.conf", 9,
         "server app.example.com (listen 80 [::]:80) serves plain http on port 80 without redirecting to https"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "return 301 https://$host$request_uri;",
        "return https://example.com$request_uri;",
        "if ($scheme = http) { return 308 https://$host$request_uri; }",
        "rewrite ^ https://$host$request_uri? permanent;",
        "return 444;",
    ],
)
def test_redirects_that_pass(body: str, tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="") + f"server {{ listen 80; {body} }}\n")
    assert statuses(_run("SEC-302", text, tmp_path)) == ["pass"]


def test_given_server_without_listen_then_it_is_port_80(tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="") + "server { server_name old.example.com; root /srv; }\n")
    assert _findings(_run("SEC-302", text, tmp_path)) == [
        ("nginx.conf", 6, "server old.example.com serves plain http on port 80 without redirecting to https"),
    ]


def test_given_http_redirect_to_http_then_fails(tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="") + "server { listen 80; return 301 http://$host$request_uri; }\n")
    assert statuses(_run("SEC-302", text, tmp_path)) == ["fail"]


# --- SEC-310..314 security headers, add_header inheritance ------------------------------------------


def test_given_location_with_own_add_header_then_it_drops_server_headers(tmp_path: Path) -> None:
    body = (
        '  add_header X-Content-Type-Options nosniff always;\n'
        '  location / { proxy_pass http://app:3000; }\n'
        '  location /api/ { add_header Cache-Control no-store; proxy_pass http://app:3000; }\n'
        '  location /static/ { add_header X-Content-Type-Options nosniff; expires 7d; }\n'
    )
    results = _run("SEC-312", _http(TLS_SERVER.format(body=body)), tmp_path)
    assert _findings(results) == [(
        "nginx.conf", 6,
        "location /api/ in server app.example.com (listen 443) sets its own add_header, so it drops the "
        "X-Content-Type-Options set above it",
    )]


def test_given_server_add_header_then_http_level_headers_are_dropped(tmp_path: Path) -> None:
    text = _http("add_header Strict-Transport-Security max-age=31536000 always;\n" + TLS_SERVER.format(body="add_header X-A 1;"))
    assert _findings(_run("SEC-310", text, tmp_path)) == [(
        "nginx.conf", 4,
        "server app.example.com (listen 443) sets its own add_header, so it drops the Strict-Transport-Security set in the http block",
    )]


def test_given_nested_location_then_inheritance_follows_the_nesting(tmp_path: Path) -> None:
    body = (
        '  location /a/ {\n'
        '    add_header Referrer-Policy no-referrer;\n'
        '    location /a/b/ { root /srv; }\n'
        '    location /a/c/ { add_header X-B 1; }\n'
        '  }\n'
    )
    text = _http("add_header Referrer-Policy no-referrer;\n" + TLS_SERVER.format(body=body))
    assert _findings(_run("SEC-314", text, tmp_path)) == [(
        "nginx.conf", 8,
        "location /a/c/ in server app.example.com (listen 443) sets its own add_header, so it drops the "
        "Referrer-Policy set above it",
    )]


def test_given_server_missing_header_and_location_with_own_set_then_both_are_reported(tmp_path: Path) -> None:
    body = "  location /x/ { add_header X-A 1; }\n"
    assert _findings(_run("SEC-311", _http(TLS_SERVER.format(body=body)), tmp_path)) == [
        ("nginx.conf", 3, "server app.example.com (listen 443) does not send Content-Security-Policy"),
        ("nginx.conf", 4, "location /x/ in server app.example.com (listen 443) sets its own add_header, so it does not send Content-Security-Policy either"),
    ]


def test_given_redirect_only_tls_server_then_only_hsts_is_judged(tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="return 301 https://example.com$request_uri;"))
    assert statuses(_run("SEC-311", text, tmp_path)) == ["pass"]
    assert statuses(_run("SEC-310", text, tmp_path / "hsts")) == ["fail"]


def test_given_header_include_not_in_tree_then_server_is_not_judged(tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="include snippets/security-headers.conf;"))
    assert statuses(_run("SEC-310", text, tmp_path)) == ["pass"]


def test_given_header_names_in_any_case_then_they_count(tmp_path: Path) -> None:
    text = _http(TLS_SERVER.format(body="add_header strict-transport-security 'max-age=63072000' always;"))
    assert statuses(_run("SEC-310", text, tmp_path)) == ["pass"]


def test_given_hsts_max_age_zero_then_it_does_not_count() -> None:
    assert _findings(run_rule("SEC-310", FIXTURES / "SEC-310" / "fail-max-age-zero.nginx.conf")) == [
        ("fail-max-age-zero.nginx.conf", 3, "server app.example.com (listen 443) does not send Strict-Transport-Security"),
    ]


# --- SEC-320 rate limit, SEC-330 server_tokens, SEC-331 body size --------------------------------------


def test_given_limit_req_at_http_level_then_proxying_servers_pass(tmp_path: Path) -> None:
    text = _http(
        "limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;\nlimit_req zone=api;\n"
        "server { listen 80; location / { proxy_pass http://app:3000; } }\n"
    )
    assert statuses(_run("SEC-320", text, tmp_path)) == ["pass"]


def test_given_zone_defined_but_never_applied_then_fails() -> None:
    assert _findings(run_rule("SEC-320", FIXTURES / "SEC-320" / "fail-no-limit.nginx.conf")) == [
        ("fail-no-limit.nginx.conf", 4, "server api.example.com (listen 80) passes requests to http://backend:8080 with no limit_req"),
    ]


def test_given_several_servers_inheriting_the_default_then_one_finding_at_the_http_block() -> None:
    assert _findings(run_rule("SEC-330", FIXTURES / "SEC-330" / "fail-default.nginx.conf")) == [
        ("fail-default.nginx.conf", 2,
         "neither the http block nor server a.example.com (listen 80) sets server_tokens (nginx's default is on)"),
    ]


def test_given_body_size_zero_in_a_location_then_fails_there() -> None:
    assert _findings(run_rule("SEC-331", FIXTURES / "SEC-331" / "fail-unbounded.nginx.conf")) == [
        ("fail-unbounded.nginx.conf", 6,
         "client_max_body_size 0 in location /upload in the server at line 4 accepts request bodies of any size"),
    ]


# --- PERF-200 gzip, PERF-201 static caching ---------------------------------------------------------------


def test_given_gzip_off_at_http_then_one_finding_however_many_servers(tmp_path: Path) -> None:
    text = _http("gzip off;\nserver { listen 80; server_name a; }\nserver { listen 80; server_name b; }\n")
    assert _findings(_run("PERF-200", text, tmp_path)) == [("nginx.conf", 3, "gzip off in the http block")]


def test_given_gzip_on_at_http_and_off_in_one_server_then_that_server_fails() -> None:
    assert _findings(run_rule("PERF-200", FIXTURES / "PERF-200" / "fail-gzip-off.nginx.conf")) == [
        ("fail-gzip-off.nginx.conf", 7, "gzip off in server app.example.com (listen 80)"),
    ]


def test_given_http_block_without_servers_then_it_is_judged_itself(tmp_path: Path) -> None:
    assert _findings(_run("PERF-200", _http("sendfile on;\n"), tmp_path)) == [
        ("nginx.conf", 2, "the http block does not set gzip (nginx's default is off)"),
    ]


def test_given_static_location_served_by_the_app_then_not_judged(tmp_path: Path) -> None:
    text = _http("server { listen 80; location /static/ { proxy_pass http://app:3000; } }\n")
    assert statuses(_run("PERF-201", text, tmp_path)) == ["skip"]


def test_given_expires_inherited_from_server_then_static_location_passes(tmp_path: Path) -> None:
    text = _http("server { listen 80; expires 7d; location ~* \\.(js|css)$ { root /srv; } }\n")
    assert statuses(_run("PERF-201", text, tmp_path)) == ["pass"]
