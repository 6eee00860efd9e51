"""Values held in containers — JSON documents and arrays — unwrapped so a value grades the same anywhere.

A jsonb column of {"姓名": …, "手机": …, "身份证号": …} or a text[] of mobile numbers once graded
NONE/L1 because of its type, and the catalog marked the tables 无条件开放. The container is only
packaging: JSON leaves are classified per key (the key acts as the header), array elements as
values of the column itself.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

#: Longest key path kept; deeper nesting is folded into its first levels.
MAX_PATH_DEPTH = 4
_PAIR = re.compile(r'"((?:[^"\\]|\\.){1,64})"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)')


def container_kind(data_type: str | None) -> str | None:
    """'json' for json/jsonb, 'array' for PostgreSQL arrays (``text[]``, ``_varchar``), else None."""
    if not data_type:
        return None
    lowered = data_type.lower().strip()
    if lowered.endswith("[]") or lowered.startswith("_") or lowered.startswith("array"):
        return "array"
    if lowered in ("json", "jsonb") or lowered.startswith("json"):
        return "json"
    return None


def array_elements(text: str) -> list[str]:
    """The scalar elements of a PostgreSQL array literal (``{a,"b c",NULL,{d}}``) or a JSON array."""
    stripped = text.strip()
    if stripped.startswith("["):
        return [value for _, value in json_leaves(stripped)]
    elements: list[str] = []
    current: list[str] = []
    quoted = escaped = was_quoted = False
    for ch in stripped:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted, was_quoted = not quoted, True
        elif quoted:
            current.append(ch)
        elif ch in "{}," or ch.isspace() and not current:
            if ch in ",}" and (current or was_quoted):
                value = "".join(current).strip()
                if was_quoted or value.upper() != "NULL":
                    elements.append(value)
            if ch in ",}{":
                current, was_quoted = [], False
        else:
            current.append(ch)
    if current or was_quoted:  # a literal cut short by the sampler's length limit
        elements.append("".join(current).strip())
    return [e for e in elements if e != ""]


def json_leaves(text: str) -> list[tuple[str, str]]:
    """(key path, scalar as text) for every leaf of a JSON document; list positions are dropped.

    A document cut short by the sampler's length limit is not valid JSON any more: its complete
    ``"key": value`` pairs are still read.
    """
    try:
        document = json.loads(text)
    except ValueError:
        return [(key, json.loads(value) if value.startswith('"') else value) for key, value in _pairs(text)]
    leaves: list[tuple[str, str]] = []
    _walk(document, (), leaves)
    return leaves


def _pairs(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _PAIR.finditer(text):
        try:
            found.append((json.loads(f'"{match.group(1)}"'), match.group(2)))
        except ValueError:
            continue
    return found


def _walk(node: object, path: tuple[str, ...], leaves: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _walk(value, (*path, str(key))[:MAX_PATH_DEPTH], leaves)
    elif isinstance(node, list):
        for value in node:
            _walk(value, path, leaves)
    elif node is not None and not isinstance(node, bool):
        leaves.append((".".join(path), str(node)))


def values_by_key(texts: list[str]) -> dict[str, list[str]]:
    """JSON documents' leaves grouped by key path, in first-seen order ('' for scalars and bare lists)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        for path, value in json_leaves(text):
            grouped[path].append(value)
    return dict(grouped)
