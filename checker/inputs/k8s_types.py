"""Kubernetes field types, so a wrong-typed field is one clear error and never a probe's crash.

`spec.tls: 1` on an Ingress, `containers: 3` or `ports: ["a"]` are manifests the API server rejects
("cannot unmarshal number into Go struct field IngressSpec.spec.tls"). Every probe would otherwise
have to guard every field. Instead each built-in object is checked once, at load time, against the
field types of the official client (`kubernetes.client.models`, generated from the API's OpenAPI
spec), and a field of the wrong type is reported with its line and left out of what the probes see.

The types are shipped as `k8s_types.json`, made from the installed client by
`python -m checker.inputs.k8s_types --generate` (tests/inputs/test_k8s_types.py checks that the
shipped file is what the client gives), because importing the client costs ~0.25 s per scan.

Numbers and booleans where the client expects text are read as text without an error: the client types
Quantities (`cpu: 1`, `averageValue: 100`, valid) as strings, so a number cannot be told from a mistake.

Example: `spec: {tls: 1}` on a networking.k8s.io/v1 Ingress gives
    spec.tls: a list (of IngressTLS) is expected, not an integer; the API server rejects this manifest
and the probes see the Ingress without `tls`. Custom resources and API versions the client does not
know are not checked.
"""
from __future__ import annotations

import datetime
import sys
from functools import lru_cache
from pathlib import Path as FilePath
from typing import Any, Iterator, NamedTuple

from checker.inputs.paths import Path



SHIPPED = FilePath(__file__).with_name("k8s_types.json")  # package data, next to this module


class TypeProblem(NamedTuple):
    path: Path  # of the wrong field
    message: str
    text: Any = None  # what the probes read instead (numbers as text), or None: the field is left out


@lru_cache(maxsize=1)
def _schema() -> dict[str, dict[str, str]]:
    import json  # here, as the file is read only when a scan has Kubernetes objects (tests/test_startup.py)

    loaded: dict[str, dict[str, str]] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    return loaded


def model_of(api_version: str, kind: str) -> str | None:
    """The client's model name for an object (`apps/v1` Deployment: V1Deployment), or None when not built in."""
    version = api_version.rsplit("/", 1)[-1]
    name = f"V{version[1:]}{kind}" if version.startswith("v") else ""
    return name if name in _schema() else None


def check(obj: dict[str, Any]) -> list[TypeProblem]:
    """Every field of `obj` whose type is wrong; `repair` then leaves them out for the probes."""
    model = model_of(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    if model is None:
        return []
    return list(_check_model(obj, model, ()))


def repair(obj: dict[str, Any], problems: list[TypeProblem]) -> None:
    """Leave each wrong field out of `obj`, or read it as text where only its numbers and booleans are wrong."""
    for problem in problems:
        parent: Any = obj
        for part in problem.path[:-1]:
            parent = parent[part]
        if problem.text is None:
            del parent[problem.path[-1]]
        else:
            parent[problem.path[-1]] = problem.text


def _check_model(data: dict[str, Any], model: str, path: Path) -> Iterator[TypeProblem]:
    fields = _schema().get(model, {})
    for key in data:
        expected = fields.get(key) if isinstance(key, str) else None
        if expected is None or data[key] is None:
            continue  # unknown fields are kubectl's strict-validation warning, not a type error
        problem = _wrong(data[key], expected, path + (key,), key)
        if problem is None:
            yield from _descend(data[key], expected, path + (key,))
            continue
        text = _as_strings(data[key], expected)
        if text is None:
            yield problem
        else:  # numbers where text is expected: the client's types cannot tell a Quantity (`cpu: 1`, valid)
            yield problem._replace(message="", text=text)  # from a string, so they are read as text, silently


def _descend(value: Any, expected: str, path: Path) -> Iterator[TypeProblem]:
    if expected.startswith("List[") and expected[5:-1] in _schema():
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield from _check_model(item, expected[5:-1], path + (index,))
    elif expected in _schema() and isinstance(value, dict):
        yield from _check_model(value, expected, path)


def _wrong(value: Any, expected: str, path: Path, key: str) -> TypeProblem | None:
    """A problem when `value` cannot be of type `expected`; lists are wrong as a whole when one item is."""
    if expected.startswith("List["):
        if not isinstance(value, list):
            return _problem(path, f"a list{_of(expected[5:-1])}", value)
        for item in value:
            if item is not None and _wrong(item, expected[5:-1], path, key) is not None:
                return _problem(path, f"a list{_of(expected[5:-1])}", item, " item")
        return None
    if expected.startswith("Dict["):
        if not isinstance(value, dict):
            return _problem(path, "a mapping", value)
        inner = expected[5:-1].split(", ", 1)[1]
        for item in value.values():
            if item is not None and _wrong(item, inner, path, key) is not None:
                return _problem(path, f"a mapping of {_name(inner)}", item, " value")
        return None
    if expected in _schema():
        return None if isinstance(value, dict) else _problem(path, f"a mapping ({_name(expected)})", value)
    if _fits(value, expected):
        return None
    singular = {"str": "a string", "int": "an integer", "bool": "a boolean", "float": "a number"}
    return _problem(path, singular.get(expected, expected), value)


def _as_strings(value: Any, expected: str) -> Any:
    """`value` with its numbers and booleans as YAML text, when only that is wrong with it; else None."""
    scalar = (int, float, bool, str)
    if expected == "str" and isinstance(value, scalar):
        return _text(value)
    if expected == "List[str]" and isinstance(value, list) and all(isinstance(v, scalar) or v is None for v in value):
        return [None if v is None else _text(v) for v in value]
    if expected == "Dict[str, str]" and isinstance(value, dict) and all(isinstance(v, scalar) or v is None for v in value.values()):
        return {k: None if v is None else _text(v) for k, v in value.items()}
    return None


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _fits(value: Any, expected: str) -> bool:
    if expected == "str":
        return isinstance(value, str)
    if expected == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "bool":
        return isinstance(value, bool)
    if expected in ("datetime", "date"):
        return isinstance(value, (str, datetime.date))
    return True  # object (int-or-string, raw JSON), bytearray: anything


def _of(inner: str) -> str:
    return f" (of {_name(inner)})" if inner in _schema() else f" of {_name(inner)}"


def _name(expected: str) -> str:
    plain = {"str": "strings", "int": "integers", "bool": "booleans", "float": "numbers"}
    if expected in plain:
        return plain[expected]
    return expected[1:].lstrip("0123456789abetalph") if expected in _schema() else expected


def _problem(path: Path, wanted: str, value: Any, part: str = "") -> TypeProblem:
    where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "[")
    return TypeProblem(path, f"{where}: {wanted} is expected, not {_kind(value)}{part and ' as' + part}; "
                             "the API server rejects this manifest, and preflight checks it without this field")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def generate() -> dict[str, dict[str, str]]:
    """Every model of the installed `kubernetes` client, as {model: {JSON field name: client type}}."""
    import inspect

    import kubernetes.client.models as models  # only here: ~0.25 s

    schema: dict[str, dict[str, str]] = {}
    for name in sorted(dir(models)):  # the package loads its models lazily (module __getattr__)
        cls = getattr(models, name)
        types: dict[str, str] = getattr(cls, "openapi_types", None) or {}
        names: dict[str, str] = getattr(cls, "attribute_map", None) or {}
        if inspect.isclass(cls) and name.startswith("V") and types:
            schema[name] = {names[attr]: kind for attr, kind in sorted(types.items())}
    return schema


if __name__ == "__main__" and sys.argv[1:] == ["--generate"]:
    import json

    with open(SHIPPED, "w", encoding="utf-8") as out:
        json.dump(generate(), out, separators=(",", ":"), sort_keys=True)
        out.write("\n")
