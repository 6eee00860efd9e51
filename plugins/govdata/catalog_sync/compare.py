"""Whether an entity on the server already is what a create request asks for (pure).

Only the fields the request sets are compared, each the way the server returns it: a reference given as an FQN
comes back as an EntityReference, owners compare by id, tags by tagFQN, columns in order. Fields the server adds
(ids, versions, usage, tags staff added to a field the request leaves unset) never count as a difference, so an
unchanged catalog sends no mutating request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

#: classifications whose tags the sync owns; tags of others (Tier, glossary terms, staff's own) on the same
#: column are not ours to compare or remove
MANAGED_CLASSIFICATIONS = ("GovDataGrade", "GovDataEntity", "PII")

#: request fields holding the FQN of another entity; the server answers them as an EntityReference
REFERENCE_FIELDS = frozenset(
    {"service", "database", "databaseSchema", "classification", "glossary", "parent", "testDefinition",
     "basicEntityReference"}
)  # fmt: skip


def request_fields(request: BaseModel) -> dict[str, Any]:
    """The fields a request sets, as JSON values (what the SDK serialises, without the unset ones)."""
    return json.loads(request.model_dump_json(by_alias=True, exclude_none=True))


def differences(request: BaseModel, current: Mapping[str, Any] | None) -> list[str]:
    """The request's fields the current entity does not match (all of them when there is no entity).

    A field the request leaves at its model's default is not compared: the SDK sends it (a test case's ``tags: []``,
    ``topDimensions``), but the server may leave it out or fill it (a test case inherits its column's tags).
    """
    wanted = request_fields(request)
    if current is None:
        return sorted(wanted)
    return [
        key
        for key, value in wanted.items()
        if key in request.model_fields_set and not same(key, value, current.get(key))
    ]


def result_sent(current: Mapping[str, Any] | None, timestamp: int) -> bool:
    """Whether a test case on the server already has a result at ``timestamp`` or later (its latest one)."""
    latest = (current or {}).get("testCaseResult") or {}
    return isinstance(latest.get("timestamp"), int) and latest["timestamp"] >= timestamp


def same(key: str, want: Any, have: Any) -> bool:
    """Whether a server value ``have`` satisfies the requested ``want`` for field ``key``."""
    if key in ("owners", "reviewers"):
        return {r["id"] for r in want} == {r.get("id") for r in have or []}
    if key == "tags":
        ours = {str(t.get("tagFQN")) for t in have or []}
        return {t["tagFQN"] for t in want} == {t for t in ours if t.split(".", 1)[0] in MANAGED_CLASSIFICATIONS}
    if key in REFERENCE_FIELDS and isinstance(want, str):
        return isinstance(have, dict) and have.get("fullyQualifiedName") == want
    if key == "columns":
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(same("column", w, h) for w, h in zip(want, have, strict=True))
        )
    if isinstance(want, dict):
        return isinstance(have, dict) and all(same(k, v, have.get(k)) for k, v in want.items())
    if isinstance(want, list) and not want:
        return not have
    return bool(want == have)


def custom_property_missing(request: BaseModel, current: Iterable[Mapping[str, Any]] | None) -> bool:
    """Whether the type lacks a custom property as requested (by name, then its fields)."""
    wanted = request_fields(request)
    for prop in current or ():
        if prop.get("name") == wanted["name"]:
            return not all(same(k, v, prop.get(k)) for k, v in wanted.items())
    return True


def lineage_matches(lineage: Mapping[str, Any] | None, from_id: str, pairs: Iterable[tuple[str, str]]) -> bool:
    """Whether an entity's lineage (EntityLineage JSON) has the edge from ``from_id`` with exactly these columns."""
    wanted = {((f,), t) for f, t in pairs}
    for edge in (lineage or {}).get("upstreamEdges") or ():
        if str(edge.get("fromEntity")) != str(from_id):
            continue
        details = edge.get("lineageDetails") or {}
        have = {(tuple(c.get("fromColumns") or ()), c.get("toColumn")) for c in details.get("columnsLineage") or ()}
        return have == wanted
    return False
