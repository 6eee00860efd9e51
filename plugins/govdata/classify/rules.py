"""Pydantic models and loaders of config/recognizers.yaml and config/classification.yaml, and the recognizer version."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from govdata.config import config_dir

#: Bump when the classification code changes what it finds (not for refactors): part of the version.
CODE_VERSION = "2"

Grade = Literal["L1", "L2", "L3", "L4"]
Importance = Literal["一般", "重要", "核心"]

#: Entity types the column classifier reports (the CLI and DB contract).
OUTPUT_ENTITIES = (
    "CN_RESIDENT_ID",
    "CN_MOBILE",
    "CN_LANDLINE",
    "CN_USCC",
    "CN_BANK_CARD",
    "CN_PASSPORT",
    "CN_HK_MACAO_PERMIT",
    "CN_LICENSE_PLATE",
    "EMAIL_ADDRESS",
    "IP_ADDRESS",
    "PERSON",
    "ADDRESS",
    "FREE_TEXT_WITH_PII",
    "NONE",
)

GRADES: tuple[Grade, ...] = ("L1", "L2", "L3", "L4")


def grade_index(grade: str) -> int:
    """Position of a grade in L1 < L2 < L3 < L4."""
    return GRADES.index(grade)  # type: ignore[arg-type]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternSpec(_Model):
    """One regex of a recognizer."""

    name: str
    regex: str
    score: float = Field(ge=0, le=1)


class HeaderSpec(_Model):
    """Column-name rules of a recognizer or a header rule."""

    keywords: list[str] = []
    abbreviations: list[str] = []
    exclude: list[str] = []


class NameSettings(_Model):
    """Extra data for the Chinese-name recognizer."""

    extra_surnames: list[str] = []
    not_names: list[str] = []


class RecognizerSpec(_Model):
    """One entry of config/recognizers.yaml."""

    name: str
    entity: str
    patterns: list[PatternSpec] = []
    validator: str | None = None
    validation: Literal["confirm", "column", "prune"] | None = None
    strength: int = 1
    context: list[str] = []
    headers: HeaderSpec = HeaderSpec()
    recognizer: Literal["chinese_name", "chinese_address"] | None = None
    names: NameSettings = NameSettings()

    @model_validator(mode="after")
    def _patterns_or_code(self) -> RecognizerSpec:
        from govdata.classify.validators import VALIDATORS

        if not self.patterns and self.recognizer is None:
            raise ValueError(f"recognizer {self.name}: needs patterns or a code recognizer")
        if self.validator is not None and self.validator not in VALIDATORS:
            raise ValueError(
                f"recognizer {self.name}: unknown validator {self.validator!r}; known: {sorted(VALIDATORS)}"
            )
        return self

    @property
    def mode(self) -> str:
        """How much a passing validator proves (``validation``; ``prune`` without a validator)."""
        if self.validator is None:
            return "prune"
        return self.validation or "confirm"

    @property
    def confirms_in_text(self) -> bool:
        """Whether one validated match in free text is proof on its own."""
        return self.mode == "confirm"

    @property
    def strong_in_column(self) -> bool:
        """Whether validated values across a column are proof without a header."""
        return self.mode in ("confirm", "column")


class RecognizerRegistry(_Model):
    """config/recognizers.yaml."""

    recognizers: list[RecognizerSpec]

    @model_validator(mode="after")
    def _unique_names(self) -> RecognizerRegistry:
        names = [r.name for r in self.recognizers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate recognizer names: {dupes}")
        return self


class EntityRule(_Model):
    """What finding an entity in a column means."""

    category: str
    grade: Grade
    label: str
    quasi_identifier: str | None = None
    output_entity: str | None = None  # report as another vocabulary entry (e.g. NONE)


class Outcome(_Model):
    """A category and grade."""

    category: str
    grade: Grade


class HeaderRule(_Model):
    """A header/comment rule for what values alone cannot show."""

    name: str
    keywords: list[str] = []
    abbreviations: list[str] = []
    category: str
    grade: Grade
    quasi_identifier: str | None = None
    gbt43697: Importance | None = None


class QuasiCombination(_Model):
    """Quasi-identifiers that together make re-identification likely."""

    name: str
    requires: list[str]


class ImportantData(_Model):
    """When a table counts as GB/T 43697 重要数据 by scale."""

    sensitive_categories: list[str] = []
    min_rows: int | None = None


class Thresholds(_Model):
    """How much evidence makes a decision."""

    share_with_header: float = 0.3
    share_without_header: float = 0.6
    consistency: float = 0.8
    weak_share_without_header: float = 0.7
    free_text_min_length: float = 12
    free_text_score: float = 0.5
    min_values: int = 1


class ClassificationRules(_Model):
    """config/classification.yaml."""

    sample_size: int = 100
    entities: dict[str, EntityRule]
    free_text_with_pii: Outcome
    default: Outcome
    free_text_headers: HeaderSpec = HeaderSpec()
    header_rules: list[HeaderRule] = []
    quasi_identifier_combinations: list[QuasiCombination] = []
    important_data: ImportantData = ImportantData()
    thresholds: Thresholds = Thresholds()

    @model_validator(mode="after")
    def _known_output_entities(self) -> ClassificationRules:
        for name, rule in self.entities.items():
            shown = rule.output_entity or name
            if shown not in OUTPUT_ENTITIES:
                raise ValueError(f"entity {name} is reported as {shown!r}, which is not one of {OUTPUT_ENTITIES}")
        return self


def recognizers_path() -> Path:
    """Where the recognizer registry lives."""
    return config_dir() / "recognizers.yaml"


def classification_path() -> Path:
    """Where the classification rules live."""
    return config_dir() / "classification.yaml"


def _load_yaml(path: Path) -> dict:
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing (the classifier needs it)")
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@lru_cache(maxsize=8)
def load_registry(path: Path | None = None) -> RecognizerRegistry:
    """config/recognizers.yaml, validated (cached per path)."""
    return RecognizerRegistry.model_validate(_load_yaml(path or recognizers_path()))


@lru_cache(maxsize=8)
def load_rules(path: Path | None = None) -> ClassificationRules:
    """config/classification.yaml, validated (cached per path)."""
    rules = ClassificationRules.model_validate(_load_yaml(path or classification_path()))
    return rules


def _data_files() -> list[Path]:
    return sorted((Path(__file__).parent / "data").glob("*.txt"))


@lru_cache(maxsize=8)
def recognizer_version(path: Path | None = None) -> str:
    """Version of what the recognizers find: code version + hash of the registry and the name data.

    The DAG stores it with every classification and re-classifies a field only when it changes.
    """
    digest = hashlib.sha256()
    digest.update((path or recognizers_path()).read_bytes())
    for data in _data_files():
        digest.update(data.read_bytes())
    return f"{CODE_VERSION}-{digest.hexdigest()[:12]}"


def rules_version(path: Path | None = None) -> str:
    """Hash of config/classification.yaml: when it changes, fields are re-graded (values need no re-scan)."""
    return hashlib.sha256((path or classification_path()).read_bytes()).hexdigest()[:12]
