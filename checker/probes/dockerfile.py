"""Dockerfile checks, multi-stage aware. `check` picks one:

  root-user      the final stage runs as root: the last USER is root / 0, or there is
                 no USER and the base is one that runs as root (alpine, debian, node,
                 python ...); with no USER over an image this file cannot see into, the
                 finding says "cannot tell" at low confidence; an image whose entrypoint
                 steps down (gosu, su-exec ..., or an official database base image that
                 keeps its ENTRYPOINT) passes
  healthcheck    the final stage has no HEALTHCHECK (or `HEALTHCHECK NONE`)
  base-image     a FROM image has no tag or a floating one (`latest` ...); `scratch`,
                 earlier stages, digests and images whose ARG has no default are not judged
  secret-env     ENV, or ARG with a default, gives a secret-looking key a literal value
                 (not a number or a boolean), or a connection URI a password
  add-remote     ADD fetches a URL without `--checksum` (a git URL: not pinned to a commit); sources
                 are split as the builder splits them, so `ADD "https://..."` and JSON form count
  sudo           a RUN (or ONBUILD RUN) of any stage runs `sudo` as a command (hadolint DL3004), except
                 `sudo -u <user>` from root, which steps down
  ssh-port       the shipped stages EXPOSE port 22/tcp (a range holding it, or an ARG/ENV that is 22)
  shell-form     the image's effective ENTRYPOINT, or its CMD when the ENTRYPOINT is not in shell form,
                 is written in shell form (`CMD node server.js`): /bin/sh becomes PID 1 and the
                 program gets no SIGTERM; `exec ...`, and a stage that sets SHELL on purpose, pass
  package-cache  a RUN of the shipped stages leaves a package manager's cache in the
                 image; `manager`: apt | apk | pip | npm (see _package_cache.py)

Only the final stage and the stages it is built FROM are shipped, so
root-user, healthcheck, package-cache, ssh-port and shell-form read only those;
base-image, secret-env, add-remote and sudo read every stage (their text is in the repository,
and a builder's base image decides what gets built).

Fails (check: root-user):  FROM node:20.14.0-alpine / CMD ["node", "server.js"]
Passes:                    FROM node:20.14.0-alpine / USER node / CMD ["node", "server.js"]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Optional

from checker.inputs.dockerfile import substitute
from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _databases
from checker.probes._dockerfile_commands import add_sources, exposed, sudo_to_root
from checker.probes._package_cache import MANAGERS, leaves_cache
from checker.probes.base import Context, Observation
from checker.probes.image_pinned import FLOATING_TAGS, split_image
from checker.secrets import CONNECTION_SCHEMES, is_secret_key, not_a_secret_value, uri_password, uri_scheme

NAME = "dockerfile"
TARGETS = ("dockerfile",)
ROOT_USERS = {"root", "0"}
# tools an entrypoint uses to drop from root to a user
STEP_DOWN = re.compile(r"\b(gosu|su-exec|setpriv\s+--reuid|runuser|chpst\s+-u|s6-setuidgid|setuidgid|chroot\s+--userspec)\b")
# official images whose docker-entrypoint.sh starts as root and steps down with gosu / su-exec
OFFICIAL_STEP_DOWN = re.compile(r"^(?:library/)?(?:postgres|mysql|mariadb|mongo|redis|rabbitmq|cassandra|couchdb|"
                                r"neo4j|influxdb|zookeeper|percona|memcached)$")
# bases published to run unprivileged: their default user is not root
NONROOT_BASES = re.compile(r"nonroot|rootless|unprivileged|^bitnami/|^chainguard/|^cgr\.dev/", re.IGNORECASE)
# vendors' images whose Dockerfile ends in a USER of their own (read from their published Dockerfiles):
# Elastic's elasticsearch / kibana / logstash / beats / elastic-agent (uid 1000), Grafana (472), Loki and
# Tempo (10001), k6 (12345), Prometheus and its exporters (nobody), the OpenTelemetry Collector (10001)
VENDOR_NONROOT = re.compile(r"^docker\.elastic\.co/|^(?:docker\.io/)?(?:grafana/(?:grafana|grafana-oss|grafana-enterprise|loki|"
                            r"tempo|mimir|k6)|prom/|otel/opentelemetry-collector)|^quay\.io/prometheus/", re.IGNORECASE)
# Google's distroless images run as root (uid 0) unless the tag says :nonroot
ROOT_REGISTRIES = re.compile(r"^gcr\.io/distroless/", re.IGNORECASE)
# bases that run as root unless a USER says otherwise: with no USER the answer is known
ROOT_BASES = re.compile(r"^(?:alpine|debian|ubuntu|busybox|centos|fedora|rockylinux|almalinux|amazonlinux|archlinux|"
                        r"node|python|golang|rust|ruby|php|perl|openjdk|eclipse-temurin|amazoncorretto|maven|gradle|"
                        r"dotnet|aspnet|runtime|runtime-deps|sdk|scratch|buildpack-deps|ubi\d*(?:-minimal)?|debian-slim|nginx|httpd|caddy|"
                        r"haproxy|traefik|docker|bash)$")
_URL = re.compile(r"^(https?|ftp)://", re.IGNORECASE)
_GIT_COMMIT = re.compile(r"#[0-9a-f]{40}$")
_NOT_SECRET_VALUE = re.compile(r"^(true|false|yes|no|on|off|-?\d+(\.\d+)?)$", re.IGNORECASE)  # MAX_TOKENS=4096 is a limit


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["root-user", "healthcheck", "base-image", "secret-env", "add-remote", "package-cache",
                   "sudo", "ssh-port", "shell-form"]
    manager: Optional[Literal[MANAGERS]] = None  # type: ignore[valid-type]
    floating_tags: list[str] = field(default_factory=lambda: sorted(FLOATING_TAGS))

    def __post_init__(self) -> None:
        if (self.check == "package-cache") != (self.manager is not None):
            raise ValueError("`manager` is required with check: package-cache, and only with it")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    stages: list[dict[str, Any]] = doc.data["stages"]
    if params.check == "root-user":
        if build_image(doc.path, stages):
            yield Observation((), f"a build or tool image (final stage {_label(stages[-1])}): it compiles for other "
                              "images to COPY --from, or runs a build or test suite, not the service", status="skip")
            return
        yield from _root_user(stages, _global_args(doc))
    elif params.check == "healthcheck":
        yield from healthcheck(stages)
    elif params.check == "base-image":
        yield from _base_images(stages, params.floating_tags)
    elif params.check == "secret-env":
        yield from _secret_env(doc)
    elif params.check == "add-remote":
        yield from _add_remote(stages)
    elif params.check == "sudo":
        yield from _sudo(stages)
    elif params.check == "ssh-port":
        yield from _ssh_port(stages, _global_args(doc))
    elif params.check == "shell-form":
        yield from _shell_form(stages)
    else:
        yield from _package_cache(stages, params.manager)


def _shipped(stages: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The final stage and the stages it is built FROM, final first."""
    chain, index, seen = [], len(stages) - 1, set()
    while index is not None and index not in seen:
        seen.add(index)
        chain.append((index, stages[index]))
        index = stages[index]["base_stage"]
    return chain


def _last(stages: list[dict[str, Any]], name: str) -> tuple[int, int, dict[str, Any]] | None:
    for index, stage in _shipped(stages):
        for number in range(len(stage["instructions"]) - 1, -1, -1):
            if stage["instructions"][number]["instruction"] == name:
                return index, number, stage["instructions"][number]
    return None


_BUILD_STAGE = re.compile(r"^(builder|build|build[-_]?base|builder[-_]?base|build[-_]env|compiler)$", re.IGNORECASE)
_BUILD_FOLDER = re.compile(r"^(build[-_]base|builder[-_]base|base[-_]builder|builders?|genproto|protogen|proto[-_]gen|codegen)$",
                           re.IGNORECASE)
# `Dockerfile.cypress`, `test.Dockerfile`: images that run a test suite or a build, not the service
_TOOL_FILE = re.compile(r"^(?:dockerfile[.-](?:build|builder|ci|tests?|e2e|cypress|playwright|lint|docs)"
                        r"|(?:build|builder|ci|tests?|e2e|cypress|playwright|lint|docs)\.dockerfile)$", re.IGNORECASE)


def build_image(path: str, stages: list[dict[str, Any]]) -> bool:
    """A Dockerfile whose image only feeds other builds or runs a tool: its final stage is named as a build stage
    (`FROM ${BUILD_BASE_IMAGE} AS builder`), it sits in a `build-base/` or code-generation folder (zabbix-docker's
    builders, opentelemetry-demo's `genproto/`), or its name says test or build (`Dockerfile.cypress`).

    >>> build_image("Dockerfiles/build-mysql/alpine/Dockerfile", [{"name": "builder"}])
    True
    >>> build_image("web/Dockerfile", [{"name": "builder"}, {"name": None}])
    False
    >>> build_image("src/checkout/genproto/Dockerfile", [{"name": None}]), build_image("web/Dockerfile.cypress", [{"name": None}])
    (True, True)
    """
    if stages and _BUILD_STAGE.match(str(stages[-1].get("name") or "")):
        return True
    parts = path.replace("\\", "/").split("/")
    return bool(_TOOL_FILE.match(parts[-1])) or any(_BUILD_FOLDER.match(part) for part in parts[:-1])


def _root_user(stages: list[dict[str, Any]], global_args: dict[str, str | None]) -> Iterator[Observation]:
    final = len(stages) - 1
    step_down = _steps_down(stages)
    if step_down:  # root only until the entrypoint switches user: what official database images do
        return
    found = _last(stages, "USER")
    if found is None:
        base = _shipped(stages)[-1][1]
        image = str(base["image"] or base["from"])
        if NONROOT_BASES.search(image) or NONROOT_BASES.search(_databases.repository(image)):  # distroless :nonroot ...
            return
        if VENDOR_NONROOT.search(image.strip()):
            return
        if ROOT_BASES.match(_databases.image_name(image)) or ROOT_REGISTRIES.search(image.strip()):
            yield Observation(("stages", final), f"final stage {_label(stages[final])} has no USER, so it runs as root "
                              f"(the user of {image})", image)
            return
        yield Observation(("stages", final), f"final stage {_label(stages[final])} has no USER; cannot tell whether "
                          f"{image} runs as root (its default user is not in this file)", image, confidence="low")
        return
    index, number, instruction = found
    user = _resolve(stages, global_args, index, number, instruction["arguments"].split()[0])
    if user is not None and user.split(":")[0].lower() in ROOT_USERS:
        yield Observation(_path(index, number), f"the last USER of the final stage is {user}", instruction["arguments"])


def _steps_down(stages: list[dict[str, Any]]) -> bool:
    """The shipped image starts as root and its entrypoint switches to a user.

    Seen in the file: a step-down tool (gosu, su-exec, setpriv, runuser, chpst, s6-setuidgid)
    in an ENTRYPOINT, CMD or RUN of the shipped stages; or an official database image (postgres,
    mysql, redis, mongo ...) whose docker-entrypoint.sh steps down with gosu, used as the base
    without replacing its ENTRYPOINT.
    """
    chain = _shipped(stages)
    for _, stage in chain:
        for instruction in stage["instructions"]:
            if instruction["instruction"] in ("ENTRYPOINT", "CMD", "RUN") and STEP_DOWN.search(str(instruction["value"])):
                return True
    base = chain[-1][1]
    image = str(base["image"] or "")
    entrypoint = _last(stages, "ENTRYPOINT")
    store = _databases.identify([image]) if image else None
    return store is not None and OFFICIAL_STEP_DOWN.match(_databases.repository(image)) is not None and entrypoint is None


def healthcheck(stages: list[dict[str, Any]]) -> Iterator[Observation]:
    final = len(stages) - 1
    found = _last(stages, "HEALTHCHECK")
    if found is None:
        yield Observation(("stages", final), f"final stage {_label(stages[final])} has no HEALTHCHECK")
    elif found[2]["arguments"].split()[0].upper() == "NONE":
        yield Observation(_path(found[0], found[1]), "HEALTHCHECK NONE switches the health check off", found[2]["value"])


def _base_images(stages: list[dict[str, Any]], floating: list[str]) -> Iterator[Observation]:
    tags = {t.lower() for t in floating}
    for index, stage in enumerate(stages):
        image = stage["image"]
        if image is None or stage["base_stage"] is not None or image.lower() == "scratch" or "$" in image:
            continue  # unresolved ARG, an earlier stage, or nothing at all
        name, tag, digest = split_image(image)
        if digest:
            continue
        if not tag:
            yield Observation(("stages", index), f"FROM {image} has no tag, so it builds on whatever `latest` is", image)
        elif tag.lower() in tags:
            yield Observation(("stages", index), f"FROM {image} uses the floating tag `{tag}`", image)


def _secret_env(doc: Document) -> Iterator[Observation]:
    for setting in doc.settings:
        value = setting.value.strip()
        if not setting.resolved or not value:
            continue
        kind = doc.data["instructions"][setting.path[1]]["instruction"]
        default = " as its default" if kind == "ARG" else ""
        if is_secret_key(setting.key) and not _NOT_SECRET_VALUE.match(value) and not not_a_secret_value(value, setting.key):
            yield Observation(setting.path, f"{kind} {setting.key} ({setting.scope}) is given a literal value{default}", value, secret=True)
        elif uri_scheme(value) in CONNECTION_SCHEMES and uri_password(value):
            message = f"{kind} {setting.key} ({setting.scope}) has a password written in its URI{default}"
            yield Observation(setting.path, message, value, secret=True)


def _add_remote(stages: list[dict[str, Any]]) -> Iterator[Observation]:
    for index, stage in enumerate(stages):
        for number, instruction in enumerate(stage["instructions"]):
            if instruction["instruction"] != "ADD":
                continue
            for source in add_sources(instruction):
                git = source.split("#")[0].endswith(".git") or source.startswith("git@")
                if git and not _GIT_COMMIT.search(source):
                    yield Observation(_path(index, number), f"ADD clones {source} at a ref that can move", source)
                elif not git and _URL.match(source) and "checksum" not in instruction["flags"]:
                    yield Observation(_path(index, number), f"ADD downloads {source} without --checksum", source)


def _sudo(stages: list[dict[str, Any]]) -> Iterator[Observation]:
    for index, stage in enumerate(stages):
        for number, instruction in enumerate(stage["instructions"]):
            if sudo_to_root(instruction):
                yield Observation(_path(index, number), f"RUN in stage {_label(stage)} runs sudo", _short(instruction))


def _ssh_port(stages: list[dict[str, Any]], global_args: dict[str, str | None]) -> Iterator[Observation]:
    for index, stage in _shipped(stages):
        for number, instruction in enumerate(stage["instructions"]):
            if instruction["instruction"] != "EXPOSE":
                continue
            text = _resolve(stages, global_args, index, number, instruction["arguments"])  # None: an ARG without a value
            if text is not None and any(first <= 22 <= last and proto == "tcp" for first, last, proto in exposed(text)):
                yield Observation(_path(index, number), f"stage {_label(stage)} exposes the SSH port 22", instruction["arguments"])


def _shell_form(stages: list[dict[str, Any]]) -> Iterator[Observation]:
    """The ENTRYPOINT, else the CMD, the container starts with, when /bin/sh -c would run it."""
    for name in ("ENTRYPOINT", "CMD"):
        found = _last(stages, name)
        if found is None:
            continue
        index, number, instruction = found
        if instruction.get("exec_form"):
            continue  # exec form; with an exec-form ENTRYPOINT the CMD is its arguments, judged next
        if not (instruction["arguments"].split()[0] == "exec" or _sets_shell(stages, index, number)):
            yield Observation(_path(index, number), f"{name} of the final stage is in shell form, so /bin/sh -c "
                              "runs it and it does not receive SIGTERM", _short(instruction))
        return  # a shell-form ENTRYPOINT ignores CMD


def _sets_shell(stages: list[dict[str, Any]], index: int, number: int) -> bool:
    """A SHELL instruction before this one in its stage or the stages it is built FROM: the shell is chosen on purpose."""
    for chain_index, stage in _shipped(stages[: index + 1]):
        upto = number if chain_index == index else len(stage["instructions"])
        if any(i["instruction"] == "SHELL" for i in stage["instructions"][:upto]):
            return True
    return False


def _package_cache(stages: list[dict[str, Any]], manager: str | None) -> Iterator[Observation]:
    """RUNs of the shipped stages that leave a cache, final stage first, each judged with the ENV in force.

    One pass with a running ENV (base stage first, as Docker builds it): recomputing the
    ENV before each instruction made 10,000 ENV lines cost 10^8 dictionary updates.
    """
    chain = _shipped(stages)
    found: dict[int, list[Observation]] = {}
    env: dict[str, str] = {}
    for index, stage in reversed(chain):
        found[index] = []
        for number, instruction in enumerate(stage["instructions"]):
            if instruction["instruction"] == "ENV":
                env.update({k: v or "" for k, v in instruction["pairs"].items()})
            problem = leaves_cache(manager, instruction, env)
            if problem:
                found[index].append(Observation(_path(index, number), f"RUN in stage {_label(stage)} {problem}", _short(instruction)))
    for index, _stage in chain:
        yield from found[index]


def _resolve(stages: list[dict[str, Any]], global_args: dict[str, str | None], index: int, number: int, text: str) -> str | None:
    if "$" not in text:
        return text
    variables: dict[str, str | None] = {}
    for instruction in stages[index]["instructions"][:number]:
        if instruction["instruction"] == "ENV":
            variables.update(instruction["pairs"])
        elif instruction["instruction"] == "ARG":  # an ARG redeclared without a value takes the global default
            variables.update({k: v if v is not None else global_args.get(k) for k, v in instruction["pairs"].items()})
    return substitute(text, variables)


def _global_args(doc: Document) -> dict[str, str | None]:
    pairs: dict[str, str | None] = {}
    for instruction in doc.data["instructions"]:
        if instruction["stage"] is not None:
            break
        pairs.update(instruction["pairs"])
    return pairs


def _path(index: int, number: int) -> tuple[str | int, ...]:
    return ("stages", index, "instructions", number)


def _label(stage: dict[str, Any]) -> str:
    return str(stage["name"] or f"FROM {stage['from']}")


def _short(instruction: dict[str, Any]) -> str:
    text = " ".join(str(instruction["arguments"]).split())
    return text if len(text) <= 120 else text[:117] + "..."
