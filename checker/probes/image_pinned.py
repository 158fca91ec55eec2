"""Container images pinned to a version: no missing tag, no `latest`; and a pull policy that fits the tag.

An image without a tag pulls `latest`; `latest` moves, so two deploys of the
same file can run different code, and a rollback may not roll back. With
`require_digest: true`, only `@sha256:` digests pass. Compose services that
build their own image (`build:`) and images from an unset `${VAR}` are not judged.

Compose reads `select` (default `services.*.image`); Kubernetes workloads are
read container by container (init and ephemeral containers too), and images
still holding a `$` placeholder (`${IMAGE}`, `$(TAG)`) are not judged.

With `check: pull-policy` (Kubernetes only) a container fails when its
`imagePullPolicy` is `Never` (a node without the image cannot start the pod) or
`IfNotPresent` on a floating or missing tag (each node keeps whichever `latest`
it pulled first, so replicas run different code).

Params: check (tag | pull-policy), select, require_digest, floating_tags.

Fails:  services: {web: {image: "nginx:latest"}}
Passes: services: {web: {image: "nginx:1.27.3"}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Literal

from checker.inputs import kubernetes
from checker.inputs.document import Document
from checker.inputs.paths import Path, select_path
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "image-pinned"
TARGETS = ("compose", "k8s")
FLOATING_TAGS = {"latest", "stable", "main", "master", "edge", "nightly"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["tag", "pull-policy"] = "tag"
    select: str = "services.*.image"
    require_digest: bool = False
    floating_tags: list[str] = field(default_factory=lambda: sorted(FLOATING_TAGS))


def split_image(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference."""
    name, _, digest = image.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def _built_here(doc: Document, path: Path) -> bool:
    """A service with `build:` tags its own image; the tag names the local build."""
    parent = next((value for _, value in select_path(doc.data, path[:-1])), None)
    return isinstance(parent, dict) and "build" in parent


def applies(doc: Document, params: Params) -> bool:
    if doc.kind == "k8s":
        return kubernetes.is_workload(doc)
    return params.check == "tag"


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    if doc.kind == "k8s":
        yield from _check_containers(doc, params)
        return
    unset_paths = {path for _, path, _ in doc.unset_variables}
    for node in doc.select(params.select):
        image = str(node.value or "").strip()
        if not image or node.path in unset_paths or _built_here(doc, node.path):
            continue
        problem = _tag_problem(image, params)
        if problem:
            yield Observation(node.path, f"image {image} {problem}", image)


def _tag_problem(image: str, params: Params) -> str | None:
    name, tag, digest = split_image(image)
    if digest:
        return None
    if params.require_digest:
        return "is not pinned by digest"
    if not tag:
        return "has no tag, so it runs whatever `latest` is"
    if tag.lower() in params.floating_tags:
        return f"uses the floating tag `{tag}`"
    return None


def _check_containers(doc: Document, params: Params) -> Iterator[Observation]:
    label = kubernetes.describe(doc)
    for container in kubernetes.containers(doc):
        image = str(container.spec.get("image") or "").strip()
        if not image or "$" in image:
            continue
        where = f"{label}, container {container.spec.get('name', '?')}"
        if params.check == "tag":
            if image in doc.meta.get("built_images", ()):  # `image: adservice`, which skaffold builds and tags
                continue
            problem = _tag_problem(image, params)
            if problem:
                yield Observation(container.path + ("image",), f"{where}: image {image} {problem}", image)
            continue
        policy = str(container.spec.get("imagePullPolicy") or "")
        path = container.path + ("imagePullPolicy",)
        if policy == "Never":
            yield Observation(path, f"{where}: imagePullPolicy Never, so a node without {image} cannot start the pod", policy)
        elif policy == "IfNotPresent" and _tag_problem(image, Params(floating_tags=params.floating_tags)):
            yield Observation(path, f"{where}: imagePullPolicy IfNotPresent on the floating image {image}", policy)
