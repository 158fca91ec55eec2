"""Which setting names hold secrets (checker/secrets.py): widened names, and the settings around them that do not."""
from __future__ import annotations

import pytest

from checker.secrets import is_secret_key
from helpers import run_snippet


@pytest.mark.parametrize("key", ["DB_PASSWORD", "REDIS_AUTH", "SMTP_PASS", "JWT_KEY_V1", "PASSWORD_SALT", "API_AUTH_TOKEN"])
def test_secret_names(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["GF_AUTH_ANONYMOUS_ORG_ROLE", "OIDC_AUTH_ROLES", "SMTP_AUTH_METHOD", "AWS_ACCESS_KEY_ID",
                                 "JWT_PUBLIC_KEY", "GF_AUTH_ANONYMOUS_ENABLED"])
def test_settings_around_a_secret_are_not_secrets(key: str) -> None:
    assert not is_secret_key(key)


def test_grafanas_anonymous_role_is_no_weak_password(tmp_path) -> None:
    # `Admin` is a weak password but a role name here: the anonymous-Admin risk is a Grafana rule of its own
    results = run_snippet("SEC-001", "GF_AUTH_ANONYMOUS_ORG_ROLE=Admin\nGF_SECURITY_ADMIN_PASSWORD=admin\n", "env", tmp_path)
    assert [(r.status, (r.message or "").split(" ")[0]) for r in results if r.status == "fail"] == [
        ("fail", "GF_SECURITY_ADMIN_PASSWORD")]
