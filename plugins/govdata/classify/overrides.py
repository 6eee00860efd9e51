"""Reviewer overrides: the YAML file's model, column signatures, and how an override turns the automatic result final.

Pure functions and models only (no database), so the precedence rules are tested without PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from govdata.classify.grading import entity_grading
from govdata.classify.rules import OUTPUT_ENTITIES, ClassificationRules, Grade, Importance
from govdata.config import config_dir

OVERRIDES_FILE = "classification_overrides.yaml"

#: The values a classification consists of; an override may set any of the first four.
VALUE_FIELDS = ("entity", "category", "grade", "gbt43697", "confidence", "quasi_identifier")

#: What a field is recorded as when classifying it raised: the most protected grade, to be reviewed.
FAILED = {
    "entity": "NONE",
    "category": "未能自动分类(待复核)",
    "grade": "L4",
    "gbt43697": "一般",
    "confidence": 0.0,
    "quasi_identifier": None,
}


def column_signature(name: str, data_type: str | None, comment: str | None) -> str:
    """Hash of a column's name, type and comment: a different signature means the column changed."""
    payload = json.dumps([name, (data_type or "").strip().lower(), (comment or "").strip()], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def overrides_path() -> Path:
    """config/classification_overrides.yaml (follows ``GOVDATA_CONFIG_DIR``)."""
    return config_dir() / OVERRIDES_FILE


class OverrideEntry(BaseModel):
    """One reviewer decision in config/classification_overrides.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    department: str
    table: str
    column: str
    entity: str | None = None
    category: str | None = None
    grade: Grade | None = None
    gbt43697: Importance | None = None
    reason: str = Field(min_length=1)
    reviewer: str = Field(min_length=1)

    @field_validator("entity")
    @classmethod
    def _known_entity(cls, value: str | None) -> str | None:
        if value is not None and value not in OUTPUT_ENTITIES:
            raise ValueError(f"unknown entity {value!r}; known: {', '.join(OUTPUT_ENTITIES)}")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> OverrideEntry:
        if not any((self.entity, self.category, self.grade, self.gbt43697)):
            raise ValueError(
                f"override {self.department}.{self.table}.{self.column}: give entity, category, grade or gbt43697"
            )
        return self

    @property
    def key(self) -> tuple[str, str]:
        """(table, column) within the department."""
        return (self.table, self.column)


class OverridesFile(BaseModel):
    """config/classification_overrides.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    overrides: list[OverrideEntry] = []

    @model_validator(mode="after")
    def _one_entry_per_column(self) -> OverridesFile:
        seen: set[tuple[str, str, str]] = set()
        for entry in self.overrides:
            key = (entry.department, entry.table, entry.column)
            if key in seen:
                raise ValueError(f"{OVERRIDES_FILE}: {'.'.join(key)} is listed twice")
            seen.add(key)
        return self

    def for_department(self, code: str) -> list[OverrideEntry]:
        """The entries of one department."""
        return [e for e in self.overrides if e.department == code]


def load_overrides_file(path: Path | None = None) -> OverridesFile:
    """The YAML overrides, validated; a missing or empty file means no overrides."""
    path = path or overrides_path()
    if not path.exists():
        return OverridesFile()
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return OverridesFile.model_validate(data)


@dataclass(frozen=True)
class Override:
    """A stored reviewer decision (governance.classification_override)."""

    decision: Literal["override", "confirm"]
    entity: str | None
    category: str | None
    grade: str | None
    gbt43697: str | None
    reason: str
    reviewed_by: str
    reviewed_at: datetime | None
    source: Literal["review-cli", "yaml"]
    reviewed_signature: str | None = None
    flagged_signature: str | None = None
    source_ref: str | None = None

    def values(self) -> dict[str, str | None]:
        """The values the reviewer set (None: not set)."""
        return {"entity": self.entity, "category": self.category, "grade": self.grade, "gbt43697": self.gbt43697}

    def needs_review(self, signature: str) -> bool:
        """The column changed (header or type) since the reviewer saw it."""
        return self.reviewed_signature is not None and self.reviewed_signature != signature


def entry_ref(entry: OverrideEntry) -> str:
    """Hash of a YAML entry: the run re-applies (and audits) an entry only when staff changed it."""
    return hashlib.sha256(entry.model_dump_json().encode("utf-8")).hexdigest()[:16]


def override_from_entry(entry: OverrideEntry, signature: str | None, when: datetime) -> Override:
    """A YAML entry as a stored override, reviewed against the column as it is now."""
    return Override(
        decision="override",
        entity=entry.entity,
        category=entry.category,
        grade=entry.grade,
        gbt43697=entry.gbt43697,
        reason=entry.reason,
        reviewed_by=entry.reviewer,
        reviewed_at=when,
        source="yaml",
        reviewed_signature=signature,
        source_ref=entry_ref(entry),
    )


def apply_override(auto: dict[str, Any], override: Override | None, rules: ClassificationRules) -> dict[str, Any]:
    """The final values: the automatic result with the reviewer's values on top.

    An override that changes only the entity takes that entity's category, grade and quasi-identifier kind
    from config/classification.yaml (``rules``, see `grading.entity_grading`), so 'this is a mobile number'
    is enough to grade it; values the reviewer gives explicitly always win. A reviewed field has confidence 1.
    """
    final = {k: auto.get(k) for k in VALUE_FIELDS}
    if override is None:
        return final
    entity = override.entity
    if entity is not None and entity != auto.get("entity"):
        final["entity"] = entity
        graded = entity_grading(rules, entity)
        if graded is not None:
            final.update(category=graded.category, grade=graded.grade, quasi_identifier=graded.quasi_identifier)
    for key in ("category", "grade", "gbt43697"):
        value = getattr(override, key)
        if value is not None:
            final[key] = value
    final["confidence"] = 1.0
    return final


def finalize(
    auto: dict[str, Any], override: Override | None, signature: str, is_error: bool, rules: ClassificationRules
) -> dict[str, Any]:
    """Final values plus the review columns of a governance.field_classification row."""
    row = apply_override(auto, override, rules)
    if override is None:
        row.update(
            is_overridden=False,
            override_source=None,
            override_reason=None,
            is_reviewed=False,
            reviewed_by=None,
            reviewed_at=None,
            # a field that could not be classified is held at L4 until someone looks at it
            needs_review=is_error,
        )
        return row
    row.update(
        is_overridden=True,
        override_source=override.source,
        override_reason=override.reason,
        is_reviewed=True,
        reviewed_by=override.reviewed_by,
        reviewed_at=override.reviewed_at,
        needs_review=override.needs_review(signature),
    )
    return row
