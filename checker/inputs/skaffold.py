"""Images a Skaffold config in the tree builds: their manifests name them bare, and Skaffold tags them.

`image: adservice` in a manifest that `skaffold run` deploys is replaced with the image it just built
(`gcr.io/project/adservice:v1.2-3-gabc@sha256:...`), so "no tag, runs latest" is wrong for it. The
names come from `build.artifacts[].image` of every `skaffold.yaml` in the scan (profiles included).

>>> sorted(artifact_images({"apiVersion": "skaffold/v4beta6", "build": {"artifacts": [{"image": "web"}]},
...                          "profiles": [{"build": {"artifacts": [{"image": "worker"}]}}]}))
['web', 'worker']
>>> artifact_images({"apiVersion": "v1", "kind": "Pod"})
set()
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from checker.inputs.discover import Candidate
    from checker.inputs.load import LoadOptions

FILE_NAMES = ("skaffold.yaml", "skaffold.yml")


def artifact_images(data: Any) -> set[str]:
    if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith("skaffold/"):
        return set()
    found: set[str] = set()
    for part in [data] + [p for p in data.get("profiles") or [] if isinstance(p, dict)]:
        build = part.get("build")
        for artifact in (build.get("artifacts") or []) if isinstance(build, dict) else []:
            if isinstance(artifact, dict) and isinstance(artifact.get("image"), str):
                found.add(artifact["image"].strip())
    return found


def built_images(candidates: Iterable[Candidate], options: LoadOptions) -> frozenset[str]:
    """The artifact images of the Skaffold configs among `candidates`; one that cannot be read adds none
    (the file itself is reported when it is loaded)."""
    from checker.errors import InputError
    from checker.inputs import containment
    from checker.inputs.load import read_text
    from checker.inputs.yaml_source import load_all

    readable = containment.scan_roots(options.roots) if options.roots else ()
    found: set[str] = set()
    for candidate in candidates:
        if candidate.path.name not in FILE_NAMES:
            continue
        try:
            for part in load_all(read_text(candidate.path, readable or None)):
                found |= artifact_images(part.data)
        except InputError:
            continue
    return frozenset(found)
