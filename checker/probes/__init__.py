"""The probe registry: probe name -> module path, imported on first use.

Explicit on purpose (no globbing, no import side effects): grep finds every
probe, and an offline scan never imports a live probe's network libraries.
"""
from __future__ import annotations

import importlib
from types import ModuleType

PROBES: dict[str, str] = {
    "assert": "checker.probes.assertion",
    "setting": "checker.probes.setting",
    "weak-secret": "checker.probes.weak_secret",
    "secret-reuse": "checker.probes.secret_reuse",
    "inline-secret": "checker.probes.inline_secret",
    "secret-format": "checker.probes.secret_format",
    "connection-uri": "checker.probes.connection_uri",
    "cors-origins": "checker.probes.cors_origins",
    "public-url": "checker.probes.public_url",
    "published-port": "checker.probes.published_port",
    "database-auth": "checker.probes.database_auth",
    "image-pinned": "checker.probes.image_pinned",
    "duplicate-key": "checker.probes.duplicate_key",
    "unset-variable": "checker.probes.unset_variable",
    "attestation": "checker.probes.attestation",
    "outside-reference": "checker.probes.outside_reference",
    # kubernetes
    "k8s-security-context": "checker.probes.k8s_security_context",
    "k8s-object": "checker.probes.k8s_object",
    "k8s-workload": "checker.probes.k8s_workload",
    "k8s-linux-hardening": "checker.probes.k8s_linux_hardening",
    "k8s-rbac": "checker.probes.k8s_rbac",
    # kubernetes, cross-object (one result for the whole scan)
    "k8s-relations": "checker.probes.k8s_relations",
    # dockerfile
    "dockerfile": "checker.probes.dockerfile",
    "compose-service": "checker.probes.compose_service",
    "dockerfile-healthcheck": "checker.probes.dockerfile_healthcheck",
    # docker: running containers (--docker) or saved `docker inspect` output
    "docker-container": "checker.probes.docker_container",
    # nginx
    "nginx": "checker.probes.nginx",
    # monitoring and backups
    "monitoring-coverage": "checker.probes.monitoring_coverage",
    "backup-coverage": "checker.probes.backup_coverage",
    # products: Grafana's login, admin and debug endpoints, plain HTTP
    "grafana-auth": "checker.probes.grafana_auth",
    "exposed-endpoint": "checker.probes.exposed_endpoint",
    "github-workflow": "checker.probes.workflow",
    "tls": "checker.probes.tls",
    # live databases (read-only)
    "db-redis": "checker.probes.db_redis",
    "db-postgres": "checker.probes.db_postgres",
    "db-mongodb": "checker.probes.db_mongodb",
    # live http
    "http-headers": "checker.probes.http_headers",
    "http-cors": "checker.probes.http_cors",
    "http-basics": "checker.probes.http_basics",
}


class UnknownProbe(KeyError):
    pass


def get(name: str) -> ModuleType:
    try:
        module_path = PROBES[name]
    except KeyError:
        raise UnknownProbe(name) from None
    return importlib.import_module(module_path)
