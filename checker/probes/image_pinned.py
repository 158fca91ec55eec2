"""Container images pinned to a version: no missing tag, no `latest`.

An image without a tag pulls `latest`; `latest` moves, so two deploys of the
same file can run different code, and a rollback may not roll back. With
`require_digest: true`, only `@sha256:` digests pass. Services that
build their own image (`build:`) and images from an unset `${VAR}` are not judged.

Fails:  services: {web: {image: "nginx:latest"}}
Passes: services: {web: {image: "nginx:1.27.3"}}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from checker.inputs.document import Document
from checker.inputs.paths import Path, select_path
from checker.models import STRICT
from checker.probes.base import Context, Observation

NAME = "image-pinned"
TARGETS = ("compose",)
FLOATING_TAGS = {"latest", "stable", "main", "master", "edge", "nightly"}


@dataclass
class Params:
    __pydantic_config__ = STRICT
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


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    unset_paths = {path for _, path, _ in doc.unset_variables}
    for node in doc.select(params.select):
        image = str(node.value or "").strip()
        if not image or node.path in unset_paths or _built_here(doc, node.path):
            continue
        name, tag, digest = split_image(image)
        if digest:
            continue
        if params.require_digest:
            yield Observation(node.path, f"image {image} is not pinned by digest", image)
        elif not tag:
            yield Observation(node.path, f"image {image} has no tag, so it runs whatever `latest` is", image)
        elif tag.lower() in params.floating_tags:
            yield Observation(node.path, f"image {image} uses the floating tag `{tag}`", image)
