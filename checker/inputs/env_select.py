"""Which env file a compose file is interpolated with: the one Compose would read, or the one its project names.

    choose(compose_path, compose_text, given, roots) -> EnvChoice | None

In order:
1. `--env-file FILE` (given): what `docker compose --env-file` reads, for every compose file of the scan;
2. `.env` beside the compose file: what Compose reads by itself;
3. a file the compose file names in a comment's command line (`docker compose --env-file ../x/.env.prod ...`,
   FastGPT's enterprise compose file does this), when it is in the scanned tree; if only its template is
   (`.env.prod.example`, or the folder's `.env.example`: "copy this file to .env.prod"), the template's
   keys are set and its values kept, except placeholders (`<...>`, `changeme`), which are unknown:
   they are replaced before deploying, so they are not what deploys;
4. a `.env.<name>` beside the compose file that defines the most of its required `${VAR:?}` keys.
Else nothing: every `${VAR}` is unset, as for Compose. Files are read only inside the scan roots.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from checker.inputs import containment

_HINT = re.compile(r"^\s*#.*?--env-file(?:=|\s+)([^\s'\"]+)", re.MULTILINE)
_REQUIRED = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")
_ANGLE = re.compile(r"<[^<>\s][^<>]*>")  # `<random 32 chars>`, `mongodb://root:<password>@mongo`
_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]", re.MULTILINE)
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist")


def placeholder(value: str) -> bool:
    """A template value someone replaces before deploying: unknown, not what deploys."""
    from checker.secrets import is_placeholder

    return bool(_ANGLE.search(value)) or is_placeholder(value)


class EnvChoice(NamedTuple):
    path: Path
    how: str  # shown in the report: why this file
    keys_only: bool  # a template: its keys are set; its placeholder values are unknown


def choose(compose_path: Path, compose_text: str, given: tuple[str, ...], roots: tuple[str, ...]) -> list[EnvChoice]:
    if given:
        return [EnvChoice(Path(p), "--env-file", False) for p in given]
    folder = compose_path.parent
    beside = folder / ".env"
    if beside.is_file() and _allowed(beside, roots):
        return [EnvChoice(beside, ".env beside the compose file (read by Compose)", False)]
    for named in _HINT.findall(compose_text):
        target = folder / named
        if containment.inside_given(target, roots) and target.is_file():
            return [EnvChoice(target, f"named by the compose file (`--env-file {named}`)", False)]
        template = _template_of(target, roots)
        if template is not None:
            return [EnvChoice(template, f"template of {named}, which the compose file names (`--env-file`) and the "
                                        "tree does not hold: its keys are set, its <...> placeholders unknown", True)]
    required = set(_REQUIRED.findall(compose_text))
    best: tuple[int, str, Path] | None = None
    if required:
        for entry in _env_named_files(folder, roots):
            covered = len(required & _keys(entry))
            if covered and (best is None or (covered, entry.name) > (best[0], best[1])):
                best = (covered, entry.name, entry)
    if best is not None:
        keys_only = best[2].name.endswith(TEMPLATE_SUFFIXES)
        how = f"{best[2].name} beside the compose file: it sets {best[0]} of its {len(required)} required variables"
        return [EnvChoice(best[2], how + (" (a template: its <...> placeholders unknown)" if keys_only else ""), keys_only)]
    return []


def _template_of(target: Path, roots: tuple[str, ...]) -> Path | None:
    for candidate in [target.with_name(target.name + s) for s in TEMPLATE_SUFFIXES] + [
        target.with_name(".env" + s) for s in TEMPLATE_SUFFIXES
    ]:
        if containment.inside_given(candidate, roots) and candidate.is_file():
            return candidate
    return None


def _env_named_files(folder: Path, roots: tuple[str, ...]) -> list[Path]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [folder / n for n in names if n.startswith(".env.") and (folder / n).is_file() and not (folder / n).is_symlink()
            and _allowed(folder / n, roots)]


def _keys(path: Path) -> set[str]:
    from checker.inputs.load import read_text  # bounded, regular files only

    try:
        return set(_KEY.findall(read_text(path)))
    except Exception:  # an unreadable file is reported when it is scanned itself
        return set()


def _allowed(path: Path, roots: tuple[str, ...]) -> bool:
    """Files beside a compose file: inside the scan roots, or anywhere for an API caller that named none."""
    return not roots or containment.inside_given(path, roots)

