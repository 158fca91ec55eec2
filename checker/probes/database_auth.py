"""Database servers started without authentication, decided from the configuration alone (SEC-070..076).

One result for the scan; a finding per server (compose service or Kubernetes container) that
`_databases.identify()` names from its image or command (never a port alone). `check` picks the engine:

  redis             Redis/Valkey/KeyDB without `--requirepass`, `--aclfile` or an ACL `--user ... >pw` in
                    its command, in REDIS_ARGS / *_EXTRA_FLAGS, or in the redis.conf it is started with;
                    bitnami images: REDIS_PASSWORD (or VALKEY_PASSWORD) unless ALLOW_EMPTY_PASSWORD=yes
  mongodb           no MONGO_INITDB_ROOT_USERNAME + _PASSWORD (official), MONGODB_ROOT_PASSWORD (bitnami),
                    `--auth` / `--keyFile`, nor `security.authorization: enabled` in its mongod.conf; `--noauth`
  postgres          POSTGRES_HOST_AUTH_METHOD=trust; a `host*` line with `trust` for a non-loopback address
                    in a pg_hba.conf it mounts (or names with `-c hba_file=`); bitnami ALLOW_EMPTY_PASSWORD=yes
  milvus            authorization off: COMMON_SECURITY_AUTHORIZATIONENABLED, or
                    `common.security.authorizationEnabled` in the milvus.yaml / user.yaml it mounts, false or absent
  milvus-password   authorization on with root's default password `Milvus` (set so, or not changed in config)
  etcd              no `--client-cert-auth` / ETCD_CLIENT_CERT_AUTH=true (nor client-cert-auth in its
                    --config-file); bitnami: ETCD_ROOT_PASSWORD unless ALLOW_NONE_AUTHENTICATION=yes
  search            Elasticsearch `xpack.security.enabled=false` (or 7.x and older without it true, bitnami
                    without ELASTICSEARCH_ENABLE_SECURITY); OpenSearch `plugins.security.disabled=true`,
                    DISABLE_SECURITY_PLUGIN=true (bitnami without OPENSEARCH_ENABLE_SECURITY)

Reach: a server whose port is published on all interfaces, that runs on the host network, or that a
LoadBalancer/NodePort Service selects is reported at the rule's severity; one reachable only on its compose
network or inside the cluster one step lower (the message says which). A value that comes from an unset
${VAR}, an env file or ConfigMap the scan does not hold, or a config file it cannot read: `skip`
("cannot tell"), never a pass or a failure.

Params: check.

Fails (check: redis):   services: {cache: {image: "redis:7.2"}}
Passes:                 services: {cache: {image: "redis:7.2", command: "redis-server --requirepass ${REDIS_PASSWORD}"}}
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Literal, NamedTuple

from checker.errors import InputError
from checker.inputs.document import Document, Setting
from checker.inputs.paths import Path
from checker.models import STRICT
from checker.probes._database_servers import Server, line_of, servers
from checker.probes._databases import evidence, repository
from checker.probes._ops import FALSE_WORDS, TRUE_WORDS
from checker.probes.base import Context, Observation
from checker.probes.image_pinned import split_image

NAME = "database-auth"
TARGETS = ("project",)
ENGINES = {"redis": "redis", "mongodb": "mongodb", "postgres": "postgres", "milvus": "milvus",
           "milvus-password": "milvus", "etcd": "etcd", "search": "elasticsearch"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["redis", "mongodb", "postgres", "milvus", "milvus-password", "etcd", "search"]


class Verdict(NamedTuple):
    status: Literal["fail", "skip"]
    what: str  # "starts without requirepass or an ACL"
    doc: Document | None  # where: the server's document (None) or a config file's
    path: Path
    observed: str | None = None
    guess: bool = False  # the finding rests on a default the scan cannot see changed


def check(project: Document, params: Params, context: Context) -> Iterator[Observation]:
    wanted = ENGINES[params.check]
    judged, said = 0, set()
    for server in servers(project, context.environments):
        if server.store.engine != wanted:
            continue
        judged += 1
        verdict = JUDGES[params.check](server)
        if verdict is None:
            continue
        where = verdict.doc or server.doc
        place = (where.source(verdict.path), where.position(verdict.path), verdict.what, server.exposure)
        if place in said:  # one base that kustomize overlays build three times: said once
            continue
        said.add(place)
        reach = (f"{verdict.what}, and {server.exposure}" if server.exposure else
                 f"{verdict.what}; reachable only {'on its compose network' if server.objects is None else 'inside the cluster'}")
        if verdict.status == "skip":
            yield Observation(verdict.path, f"{server.label}: cannot tell: {verdict.what}", status="skip", document=where)
            continue
        low = server.exposure is None or verdict.guess
        yield Observation(verdict.path, f"{server.label} ({_engine(server)}) {reach}", verdict.observed,
                          evidence={**evidence(server.store), "exposure": server.exposure or "internal"},
                          document=where, confidence="low" if low else "high")
    for values, path, section in _chart_sections(project, context.environments, params.check):
        judged += 1
        chart_reach = _chart_exposure(section)
        what = f"{_display(path)} of {values.path} turns the {wanted} chart's authentication off"
        message = f"{what}, and its Service is {chart_reach}" if chart_reach else f"{what}; reachable only inside the cluster"
        yield Observation(path, message, "false", document=values, confidence="high" if chart_reach else "low")
    if not judged:
        yield Observation((), f"no {wanted} server in scope", status="skip")


# Helm values of the charts that run these servers (bitnami's, as subcharts or on their own): the switch that
# turns authentication off, under the section named after the chart (`redis:`) or at the top of its own values.
CHART_SWITCHES: dict[str, tuple[tuple[str, ...], tuple[Path, ...]]] = {
    "redis": (("redis", "valkey", "keydb"), (("auth", "enabled"),)),
    "mongodb": (("mongodb", "mongo"), (("auth", "enabled"),)),
    "etcd": (("etcd",), (("auth", "rbac", "create"), ("auth", "rbac", "enabled"))),  # create: bitnami/etcd 6+
}


def _chart_sections(project: Document, environments: tuple[str, ...] | None, check: str) -> Iterator[tuple[Document, Path, Any]]:
    from checker.probes._workloads import in_scope

    names, switches = CHART_SWITCHES.get(check, ((), ()))
    for doc in in_scope(project, environments) if names else ():
        if doc.kind != "helm-values" or not isinstance(doc.data, dict):
            continue
        own = os.path.basename(os.path.dirname(os.path.abspath(doc.path))).lower() in names  # a chart's own values
        sections: list[tuple[Path, Any]] = [((), doc.data)] if own else []
        sections += [((k,), v) for k, v in doc.data.items() if str(k).lower() in names and isinstance(v, dict)]
        for base, section in sections:
            if section.get("enabled") is False and base:
                continue  # the subchart is not installed
            for switch in switches:
                node: Any = section
                for key in switch:
                    node = node.get(key) if isinstance(node, dict) else None
                if node is False:
                    yield doc, base + switch, section
                    break


def _chart_exposure(section: Any, depth: int = 0) -> str | None:
    """`type LoadBalancer` when a `service.type` in the section (master.service, externalAccess ...) leaves the cluster."""
    if not isinstance(section, dict) or depth > 3:
        return None
    service = section.get("service")
    if isinstance(service, dict) and service.get("type") in ("LoadBalancer", "NodePort"):
        return f"type {service['type']}"
    return next((found for value in section.values() if (found := _chart_exposure(value, depth + 1))), None)


def _display(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _engine(server: Server) -> str:
    """The engine as its image names it: valkey, keydb and opensearch are judged as redis and elasticsearch."""
    name = repository(server.image)
    return next((n for n in ("valkey", "keydb", "dragonfly", "opensearch") if n in name), server.store.engine)


# --- helpers -------------------------------------------------------------------------------------


def _flag(command: str, *names: str) -> str | None:
    """The value after `--name` (`--name=v`, `--name v`), "" for a bare flag, None when absent."""
    for name in names:
        found = re.search(rf"(?:^|[\s\"'\[,])--?{re.escape(name)}(?:[=\s\"',]+([^\s\"',\]]*))?", command)
        if found:
            return found.group(1) or ""
    return None


def _given(setting: Setting | None) -> bool:
    """A value is there: written, or one the scan cannot see (a secretKeyRef, an unset ${VAR})."""
    return setting is not None and (bool(setting.value.strip()) or not setting.resolved)


def _true(setting: Setting | None) -> bool:
    return setting is not None and setting.resolved and setting.value.strip().lower() in TRUE_WORDS


def _false(setting: Setting | None) -> bool:
    return setting is not None and setting.resolved and setting.value.strip().lower() in FALSE_WORDS - {""}


def _bitnami(server: Server) -> bool:
    """bitnami's images (and their bitnamilegacy / bitnamisecure copies): they read their own env names."""
    return re.search(r"(?:^|/)bitnami(?:legacy|secure)?/", repository(server.image)) is not None


def _setting(server: Server, setting: Setting, what: str) -> Verdict:
    return Verdict("fail", what, None, setting.path, f"{setting.key}={setting.value}")


def _unknown(setting: Setting | None) -> bool:
    return setting is not None and not setting.resolved and not setting.value


def _yaml(doc: Document, content: str) -> Any:
    from checker.inputs.yaml_source import load_all

    try:
        parts = load_all(content)
    except InputError:
        return None
    if parts:
        doc.positions = parts[0].positions
    return parts[0].data if parts else None


def _dig(data: Any, dotted: str) -> tuple[Any, Path] | None:
    """`common.security.authorizationEnabled` in nested or flat (`xpack.security.enabled: false`) YAML."""
    node, parts = data, dotted.split(".")
    path: Path = ()
    while parts:
        if not isinstance(node, dict):
            return None
        for size in range(len(parts), 0, -1):
            key = ".".join(parts[:size])
            if key in node:
                node, path, parts = node[key], path + (key,), parts[size:]
                break
        else:
            return None
    return node, path


def _cannot_see(server: Server, path: str) -> Verdict:
    return Verdict("skip", f"it reads {path}, which the scan cannot read", None, server.command_path)


def _no_context(server: Server) -> Verdict | None:
    if server.unknown_command:
        return Verdict("skip", "its command comes from an unset ${VAR}", None, server.command_path)
    if server.unknown_env:
        return Verdict("skip", "its environment comes from a file or object the scan does not hold", None, server.path)
    return None


# --- engines -------------------------------------------------------------------------------------

_REDIS_AUTH = re.compile(r"--(?:requirepass|aclfile|auth)\b|--user\s+\S.*\s[>#]|\buser\s+\S+\s.*\bon\b.*\s[>#]")
_REDIS_CONF_AUTH = re.compile(r"^\s*(?:requirepass\s+\S|aclfile\s+\S|user\s+\S+\s(?=.*\bon\b)(?=.*\s[>#]))", re.MULTILINE)


def _redis(server: Server) -> Verdict | None:
    command = server.command
    extra = [s.value for s in server.settings if s.key.upper() in ("REDIS_ARGS", "REDIS_EXTRA_FLAGS", "VALKEY_EXTRA_FLAGS", "KEYDB_EXTRA_FLAGS")]
    if _REDIS_AUTH.search(" ".join([command, *extra])):
        return None
    if _bitnami(server):
        allow = server.setting("ALLOW_EMPTY_PASSWORD")
        if _given(server.setting("REDIS_PASSWORD", "REDIS_PASSWORD_FILE", "VALKEY_PASSWORD", "VALKEY_PASSWORD_FILE")):
            return None
        if _true(allow) and allow is not None:
            return _setting(server, allow, "starts without a password (ALLOW_EMPTY_PASSWORD)")
        return _no_context(server)  # without either, the bitnami image refuses to start
    conf = re.search(r"(?:redis|valkey|keydb)-server\s+[\"']?(/\S+?\.conf)\b", command)
    if conf:
        found = server.config(conf.group(1))
        if found is None:
            return _cannot_see(server, conf.group(1))
        doc, content = found
        if _REDIS_CONF_AUTH.search(content):
            return None
        return Verdict("fail", f"starts without requirepass or an ACL ({conf.group(1)} sets neither)", None, server.command_path)
    skipped = _no_context(server)
    if skipped:
        return skipped
    unread = server.setting("REDIS_PASSWORD", "REDIS_PASS")
    note = f" (the image does not read {unread.key})" if unread else ""
    return Verdict("fail", f"starts without requirepass or an ACL{note}", None, server.command_path, server.command or server.image)


def _mongodb(server: Server) -> Verdict | None:
    command = server.command
    if _flag(command, "noauth") is not None:
        return Verdict("fail", "starts with --noauth", None, server.command_path, "--noauth")
    if _flag(command, "auth", "keyFile", "clusterAuthMode") is not None:
        return None
    user = server.setting("MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_USERNAME_FILE", "MONGODB_INITDB_ROOT_USERNAME")
    password = server.setting("MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD_FILE", "MONGODB_INITDB_ROOT_PASSWORD")
    if _given(user) and _given(password):
        return None
    if _bitnami(server) or "percona" in repository(server.image):
        if _given(server.setting("MONGODB_ROOT_PASSWORD", "MONGODB_ROOT_PASSWORD_FILE")):
            return None
        allow = server.setting("ALLOW_EMPTY_PASSWORD")
        if _bitnami(server) and _true(allow) and allow is not None:
            return _setting(server, allow, "starts without authentication (ALLOW_EMPTY_PASSWORD)")
    conf = _flag(command, "config", "f")
    if conf:
        found = server.config(conf)
        if found is None:
            return _cannot_see(server, conf)
        doc, content = found
        data = _yaml(doc, content)
        authorization = _dig(data, "security.authorization")
        if _dig(data, "security.keyFile") or (authorization and str(authorization[0]).lower() == "enabled"):
            return None
    return _no_context(server) or Verdict(
        "fail", "starts without authentication (no MONGO_INITDB_ROOT_USERNAME/PASSWORD, no --auth)", None, server.path, server.image)


_LOOPBACK = {"127.0.0.1/32", "::1/128", "localhost", "samehost", "127.0.0.1", "::1"}


def _postgres(server: Server) -> Verdict | None:
    method = server.setting("POSTGRES_HOST_AUTH_METHOD")
    if method is not None and not method.resolved:
        return Verdict("skip", "POSTGRES_HOST_AUTH_METHOD comes from an unset ${VAR}", None, method.path)
    if method is not None and method.value.strip().lower() == "trust":
        return _setting(server, method, "lets every host in without a password (POSTGRES_HOST_AUTH_METHOD=trust)")
    allow = server.setting("ALLOW_EMPTY_PASSWORD")
    if _bitnami(server) and _true(allow) and allow is not None and not _given(server.setting("POSTGRESQL_PASSWORD", "POSTGRES_PASSWORD")):
        return _setting(server, allow, "lets every host in without a password (ALLOW_EMPTY_PASSWORD)")
    named = _flag(server.command, "c hba_file", "hba_file")
    named = re.sub(r"^hba_file=", "", named or "") or None
    paths = ([named] if named else []) + [p for p in server.mounted("pg_hba.conf") if p != named]
    for path in paths:
        found = server.config(path)
        if found is None:
            if path == named:
                return _cannot_see(server, path)
            continue
        doc, content = found
        for number, line in enumerate(content.splitlines(), 1):
            words = line.split("#", 1)[0].split()
            masked = len(words) >= 6 and re.fullmatch(r"[\d.]+|[\da-fA-F:]+", words[4]) is not None  # `10.0.0.0 255.0.0.0`
            auth = words[5] if masked else words[4] if len(words) >= 5 else ""
            if words and words[0].startswith("host") and auth.lower() == "trust":
                address = " ".join(words[3:5]) if masked else words[3]
                if words[3] in _LOOPBACK:
                    continue
                return Verdict("fail", f"lets {address} in without a password (`trust` in {path})", line_of(doc, number), (),
                               line.strip())
    return None


def _milvus_enabled(server: Server) -> tuple[bool | None, Verdict | None]:
    """(authorization on?, where it is switched off / why it cannot be told)."""
    if re.search(r"\bmilvus\s+run\s+(?!standalone|proxy|mixture)\w+", server.command):
        return None, None  # a cluster component (querynode, datanode ...): clients reach the proxy only
    env = server.setting("COMMON_SECURITY_AUTHORIZATIONENABLED")
    if env is not None and not env.resolved:
        return None, Verdict("skip", "COMMON_SECURITY_AUTHORIZATIONENABLED comes from an unset ${VAR}", None, env.path)
    if env is not None:
        on = env.value.strip().lower() in TRUE_WORDS
        return on, None if on else _setting(server, env, "runs with authorization off")
    state: tuple[bool | None, Verdict | None] = (False, Verdict(
        "fail", "runs with authorization off (common.security.authorizationEnabled is not set: false by default)",
        None, server.command_path, server.image))
    for path in sorted(server.mounted("milvus.yaml", "user.yaml"), key=lambda p: p.endswith("user.yaml")):
        found = server.config(path)
        if found is None:
            continue
        doc, content = found
        value = _dig(_yaml(doc, content), "common.security.authorizationEnabled")
        if value is not None:
            on = str(value[0]).lower() in TRUE_WORDS
            state = on, None if on else Verdict("fail", f"runs with authorization off ({path})", doc, value[1], str(value[0]))
    return state


def _milvus(server: Server) -> Verdict | None:
    return _milvus_enabled(server)[1]


def _milvus_password(server: Server) -> Verdict | None:
    on, _ = _milvus_enabled(server)
    if not on:
        return None  # off is SEC-073's finding
    env = server.setting("COMMON_SECURITY_DEFAULTROOTPASSWORD")
    if env is not None:
        return _setting(server, env, "keeps root's default password (COMMON_SECURITY_DEFAULTROOTPASSWORD is the documented default)") \
            if env.value == "Milvus" else None
    for path in server.mounted("milvus.yaml", "user.yaml"):
        found = server.config(path)
        value = _dig(_yaml(*found), "common.security.defaultRootPassword") if found else None
        if found and value is not None:
            return Verdict("fail", f"keeps root's default password (defaultRootPassword in {path} is the documented default)",
                           found[0], value[1], "Milvus") \
                if value[0] == "Milvus" else None
    return Verdict("fail", "turns authorization on but its configuration never changes root's default password",
                   None, server.command_path, guess=True)


def _etcd(server: Server) -> Verdict | None:
    command = server.command
    flag = _flag(command, "client-cert-auth")
    if (flag is not None and flag.lower() not in FALSE_WORDS - {""}) or _true(server.setting("ETCD_CLIENT_CERT_AUTH")):
        return None
    if _bitnami(server):
        allow = server.setting("ALLOW_NONE_AUTHENTICATION")
        if _true(allow) and allow is not None:
            return _setting(server, allow, "accepts every client without authentication (ALLOW_NONE_AUTHENTICATION)")
        if _given(server.setting("ETCD_ROOT_PASSWORD")):
            return None
    conf = _flag(command, "config-file") or (s.value if (s := server.setting("ETCD_CONFIG_FILE")) else None)
    if conf:
        found = server.config(conf)
        if found is None:
            return _cannot_see(server, conf)
        value = _dig(_yaml(*found), "client-transport-security.client-cert-auth")
        if value is not None and str(value[0]).lower() in TRUE_WORDS:
            return None
    return _no_context(server) or Verdict(
        "fail", "accepts every client without authentication (no --client-cert-auth)", None, server.command_path, server.command or server.image)


_ES_OFF = re.compile(r"-E\s*xpack\.security\.enabled=false|-E\s*plugins\.security\.disabled=true", re.IGNORECASE)


def _search(server: Server) -> Verdict | None:
    opensearch = "opensearch" in repository(server.image)
    if _ES_OFF.search(server.command):
        return Verdict("fail", "runs with its security off", None, server.command_path, _ES_OFF.search(server.command).group(0))  # type: ignore[union-attr]
    for key, off in (("xpack.security.enabled", _false), ("plugins.security.disabled", _true), ("DISABLE_SECURITY_PLUGIN", _true)):
        setting = server.setting(key)
        if setting is not None and off(setting):
            return _setting(server, setting, f"runs with its security off ({key})")
    for path in server.mounted("elasticsearch.yml", "opensearch.yml"):
        found = server.config(path)
        data = _yaml(*found) if found else None
        for key, off_value in (("xpack.security.enabled", "false"), ("plugins.security.disabled", "true")):
            value = _dig(data, key)
            if found and value is not None and str(value[0]).lower() == off_value:
                return Verdict("fail", f"runs with its security off ({key} in {path})", found[0], value[1], f"{key}: {value[0]}")
    if _bitnami(server):
        switch = "OPENSEARCH_ENABLE_SECURITY" if opensearch else "ELASTICSEARCH_ENABLE_SECURITY"
        if not _true(server.setting(switch)) and not _unknown(server.setting(switch)):
            return _no_context(server) or Verdict("fail", f"runs with its security off ({switch} is not yes: the image's default)",
                                                  None, server.path, server.image)
        return None
    tag = split_image(server.image)[1] or ""
    major = re.match(r"(\d+)\.", tag)
    if not opensearch and major and int(major.group(1)) < 8 and not _true(server.setting("xpack.security.enabled")):
        return _no_context(server) or Verdict(
            "fail", "runs with its security off (xpack.security.enabled is not true: before 8.0 it is off by default)",
            None, server.path, server.image)
    return None


JUDGES: dict[str, Callable[[Server], Verdict | None]] = {
    "redis": _redis, "mongodb": _mongodb, "postgres": _postgres, "milvus": _milvus,
    "milvus-password": _milvus_password, "etcd": _etcd, "search": _search,
}
