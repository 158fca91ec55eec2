"""The contract every probe module follows (see probes/__init__.py for the registry).

A probe module has:
    NAME      the name rules use (`probe: weak-secret`)
    TARGETS   the document kinds it can read
    Params    a dataclass of its parameters (`__pydantic_config__ = STRICT`), validated when rules load
    check(doc, params, context) -> Iterator[Observation]
and, optionally, applies(doc, params) -> bool: False for a document the probe
has nothing to say about (a Service for a container rule), which then gets no
result at all rather than a meaningless `pass`.
and a docstring that is its documentation: what it observes, its parameters,
and one failing and one passing input. A probe reads only its document, applies
no severity and no suppression, and raises ProbeError when it cannot decide.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Mapping, NamedTuple

from checker.inputs.paths import Path
from checker.models import STRICT, Status


class Observation(NamedTuple):
    path: Path  # where in the document (the engine turns it into file:line)
    message: str  # one line naming the key, service or host; never the remediation
    observed: str | None = None  # the offending value; masked by the engine when secret
    secret: bool = False
    evidence: dict[str, Any] | None = None
    status: Status = "fail"  # attestation probes may also say pass / manual / skip
    document: Any = None  # for project-wide probes: the Document the path is in (default: the one checked)
    # "low": the probe guessed (a database told by its port alone, a user it cannot see); the engine
    # then reports the finding one severity step below the rule's. Probes never set a severity.
    confidence: Literal["high", "low"] = "high"


class Context(NamedTuple):
    """What a probe may know besides its document: which rule runs it, and when."""

    rule_id: str
    rule_name: str
    today: date
    environments: tuple[str, ...] | None = None  # the rule's; project-wide probes filter documents by it
    options: Mapping[str, Any] = {}  # live probes: ca_bundle, timeout (seconds), never anything rule-specific


@dataclass
class Params:
    """A probe without parameters."""

    __pydantic_config__ = STRICT
