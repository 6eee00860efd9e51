"""Classify one column from its name, comment, data type and sampled values; grade a table from its fields.

Structured columns are decided from regex + validator checks over the whole sample (structured.py, cheap,
no NLP); only columns that read as free text go through Presidio, cell by cell (free_text.py). What an
entity means, category and grade, is grading.py's. `ColumnClassifier` puts them together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from govdata import config
from govdata.classify.containers import array_elements, container_kind, values_by_key
from govdata.classify.free_text import FreeTextScanner, free_text_cues, looks_free_text
from govdata.classify.grading import (
    FREE_TEXT,
    NONE,
    ColumnClassification,
    Grading,
    TableClassification,
    default_grading,
    free_text_grading,
    header_importance,
    raised_by_header_rule,
    rule_grading,
    table_grade,
)
from govdata.classify.headers import HeaderHit, is_placeholder_name, match_terms
from govdata.classify.rules import (
    ClassificationRules,
    HeaderRule,
    RecognizerRegistry,
    grade_index,
    load_registry,
    load_rules,
    recognizer_version,
)
from govdata.classify.structured import StructuredMatcher

#: Cell contents that mean "no value" and do not count in shares.
NULL_TOKENS = frozenset(
    {"", "null", "none", "nan", "n/a", "na", "-", "--", "—", "/", "无", "暂无", "空", "不详", "#N/A"}
)

#: Data types whose text form cannot hold the entities (header rules still apply). Numbers can (a
#: mobile number stored as a float), and so can JSON and arrays, which are unwrapped (containers.py).
_NON_TEXT_TYPES = re.compile(r"(?i)^(date|time|timestamp|interval|bool|boolean|bytea|blob)\b")


def as_text(value: object) -> str | None:
    """A sampled cell as text, or None for empty and null-like cells."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            value = int(value)  # 13812345678.0 from a spreadsheet
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    text = str(value).strip()
    if text.lower() in NULL_TOKENS or text in NULL_TOKENS:
        return None
    return text


def sample_values(values: Sequence[object], size: int) -> list[object]:
    """An evenly spaced, deterministic sample (sorted files keep their spread; re-runs give the same sample)."""
    if size <= 0 or len(values) <= size:
        return list(values)
    step = len(values) / size
    return [values[int(i * step)] for i in range(size)]


class ColumnClassifier:
    """Registry + rules compiled once; `classify` is then a pure function of one column."""

    def __init__(
        self,
        registry: RecognizerRegistry,
        rules: ClassificationRules,
        registry_path: Path | None = None,
        version: str = "",
        masking: config.MaskPolicy | None = None,
    ) -> None:
        self.registry = registry
        self.rules = rules
        # evidence is shown to staff: its examples are masked by the strict policy of config/masking.yaml
        self.masking = masking or config.load_masking_config().policy(config.EVIDENCE_POLICY)
        self.registry_path = registry_path
        self.version = version
        self.structured = StructuredMatcher(registry, rules, self.masking)
        self.free_text = FreeTextScanner(
            self.structured.matchers,
            free_text_cues((self.structured.person_spec, self.structured.address_spec), self.structured.surnames),
            rules,
            registry_path,
            self.masking,
        )

    # ---------------------------------------------------------------- header
    def header_hits(self, name: str, comment: str | None) -> dict[str, HeaderHit]:
        """Entities the column name or comment points at."""
        hits: dict[str, HeaderHit] = {}
        for spec in self.registry.recognizers:
            h = spec.headers
            hit = match_terms(spec.entity, h.keywords, h.abbreviations, h.exclude, name, comment)
            if hit and spec.entity not in hits:
                hits[spec.entity] = hit
        return hits

    def header_rule(self, name: str, comment: str | None) -> tuple[HeaderRule, HeaderHit] | None:
        """The header rule (health, income, birth date …) with the highest grade that matches, if any."""
        best: tuple[HeaderRule, HeaderHit] | None = None
        for rule in self.rules.header_rules:
            hit = match_terms(rule.name, rule.keywords, rule.abbreviations, (), name, comment)
            if hit and (best is None or grade_index(rule.grade) > grade_index(best[0].grade)):
                best = (rule, hit)
        return best

    def is_free_text_header(self, name: str, comment: str | None) -> HeaderHit | None:
        """Whether the header names a remarks/description column."""
        h = self.rules.free_text_headers
        return match_terms("FREE_TEXT", h.keywords, h.abbreviations, (), name, comment)

    # ---------------------------------------------------------------- classify
    def classify(
        self,
        name: str,
        values: Sequence[object],
        comment: str | None = None,
        data_type: str | None = None,
        sample_size: int | None = None,
    ) -> ColumnClassification:
        """Classify one column (see module docstring)."""
        size = sample_size if sample_size is not None else self.rules.sample_size
        kind = container_kind(data_type)
        if kind == "json":
            return self._classify_json(name, values, data_type, size)
        sampled = sample_values(values, size)
        texts = [t for t in (as_text(v) for v in sampled) if t is not None]
        if kind == "array":
            texts = [e for t in texts for e in (as_text(v) for v in array_elements(t)) if e is not None]
        hits = self.header_hits(name, comment)
        rule_hit = self.header_rule(name, comment)
        evidence: dict[str, Any] = {"sampled": len(sampled), "non_empty": len(texts)}
        if data_type:
            evidence["data_type"] = data_type
        if kind == "array":
            evidence["unwrapped"] = "array elements"
        if is_placeholder_name(name):
            evidence["header"] = "placeholder name: values only"
        if hits:
            evidence["header_suggests"] = {e: h.describe() for e, h in hits.items()}

        skip_values = bool(data_type and _NON_TEXT_TYPES.search(data_type))
        if skip_values:
            evidence["values_skipped"] = f"data type {data_type} cannot hold identifiers"
        if skip_values or len(texts) < self.rules.thresholds.min_values:
            return self._header_only(name, hits, rule_hit, evidence, no_values=not skip_values)

        decided = self.structured.decide(texts, hits, evidence)
        if decided is not None:
            entity, confidence = decided
            return self._result(name, entity, confidence, evidence, rule_hit)

        free_header = self.is_free_text_header(name, comment)
        min_length = self.rules.thresholds.free_text_min_length
        if free_header or looks_free_text(texts, min_length) or evidence.get("sparse_hits"):
            evidence["free_text"] = True
            if free_header:
                evidence["free_text_header"] = free_header.describe()
            found = self.free_text.scan(texts, evidence)
            if found is not None:
                return self._result(name, FREE_TEXT, found, evidence, rule_hit, embedded=evidence["embedded"])

        return self._none(name, hits, rule_hit, evidence)

    def _classify_json(
        self, name: str, values: Sequence[object], data_type: str | None, size: int
    ) -> ColumnClassification:
        """Each key of the documents classified as a column of its own; the column is what its worst key is."""
        texts = [t for t in (as_text(v) for v in sample_values(values, size)) if t is not None]
        by_key = values_by_key(texts)
        results = {
            key: self.classify(key.rsplit(".", 1)[-1] or name, key_values, sample_size=size)
            for key, key_values in by_key.items()
        }
        worst = max(
            results.items(),
            key=lambda item: (grade_index(item[1].grade), item[1].entity != NONE, item[1].confidence),
            default=None,
        )
        found = {key: r.entity for key, r in results.items() if r.entity != NONE}
        if worst is None:
            return self.classify(name, [], data_type="json")
        key, result = worst
        evidence = {
            "sampled": len(texts), "data_type": data_type, "unwrapped": "json leaves by key",
            "json_keys": found, "decided_by_key": key, "key_evidence": result.evidence,
        }  # fmt: skip
        return replace(result, name=name, evidence=evidence)

    # ---------------------------------------------------------------- outcomes
    def _result(
        self,
        name: str,
        entity: str,
        confidence: float,
        evidence: dict[str, Any],
        rule_hit: tuple[HeaderRule, HeaderHit] | None,
        embedded: dict[str, int] | None = None,
    ) -> ColumnClassification:
        """An entity found: its grading, raised by the header rule that matched."""
        if entity == FREE_TEXT:
            graded = free_text_grading(self.rules, embedded or {})
            shown = FREE_TEXT
        else:
            rule = self.rules.entities[entity]
            graded = rule_grading(rule)
            shown = rule.output_entity or entity
            if shown != entity:
                evidence["detected"] = entity
        header_rule = None
        if rule_hit is not None:
            header_rule, hit = rule_hit
            evidence["category_rule"] = f"{header_rule.name} ({hit.describe()})"
            graded = raised_by_header_rule(graded, header_rule)
        return self._classification(name, shown, graded, header_importance(header_rule), confidence, evidence)

    def _none(
        self,
        name: str,
        hits: dict[str, HeaderHit],
        rule_hit: tuple[HeaderRule, HeaderHit] | None,
        evidence: dict[str, Any],
    ) -> ColumnClassification:
        """No entity: the default grading, or the header rule's; less confident the closer the values came."""
        graded = default_grading(self.rules)
        near_miss = 0.0
        n = max(evidence.get("non_empty", 0), 1)
        for st in evidence.get("candidates", {}).values():
            near_miss = max(near_miss, st["shaped"] / n)
        confidence = max(0.5, 0.9 - 0.4 * near_miss - (0.2 if hits else 0.0))
        if hits:
            evidence["note"] = "header suggests personal data but the values do not confirm it"
        header_rule = None
        if rule_hit is not None:
            header_rule, hit = rule_hit
            graded = rule_grading(header_rule)
            evidence["category_rule"] = f"{header_rule.name} ({hit.describe()})"
            confidence = 0.8
        return self._classification(name, NONE, graded, header_importance(header_rule), round(confidence, 2), evidence)

    def _classification(
        self, name: str, entity: str, graded: Grading, importance: str, confidence: float, evidence: dict[str, Any]
    ) -> ColumnClassification:
        evidence["gbt43697"] = importance
        return ColumnClassification(
            name=name,
            entity=entity,
            category=graded.category,
            grade=graded.grade,
            gbt43697=importance,
            confidence=confidence,
            evidence=evidence,
            quasi_identifier=graded.quasi_identifier,
            recognizer_version=self.version,
        )

    def _header_only(
        self,
        name: str,
        hits: dict[str, HeaderHit],
        rule_hit: tuple[HeaderRule, HeaderHit] | None,
        evidence: dict[str, Any],
        no_values: bool,
    ) -> ColumnClassification:
        if no_values and hits:
            # nothing to sample (empty table): trust the header, with low confidence
            entity = min(hits, key=self.structured.order.index)
            evidence["header_rule"] = hits[entity].describe()
            evidence["note"] = "no values sampled: decided from the header alone"
            return self._result(name, entity, 0.5, evidence, rule_hit)
        return self._none(name, {}, rule_hit, evidence)

    # ---------------------------------------------------------------- table
    def grade_table(self, fields: Iterable[ColumnClassification], row_count: int | None = None) -> TableClassification:
        """Table grade = highest field grade, +1 (max L4) where a quasi-identifier combination is present."""
        return table_grade(self.rules, fields, row_count)


@lru_cache(maxsize=4)
def get_classifier(registry_path: Path | None = None, rules_path: Path | None = None) -> ColumnClassifier:
    """The classifier for the given (or the default) config files, compiled once."""
    return ColumnClassifier(
        load_registry(registry_path),
        load_rules(rules_path),
        registry_path=registry_path,
        version=recognizer_version(registry_path),
    )


def classify_column(
    name: str,
    values: Sequence[object],
    *,
    comment: str | None = None,
    data_type: str | None = None,
    sample_size: int | None = None,
    classifier: ColumnClassifier | None = None,
) -> ColumnClassification:
    """Classify one column: entity, category, grade, GB/T 43697 level, confidence and masked evidence.

    ``values`` is the sample (the DAG samples in PostgreSQL; longer inputs are thinned to ``sample_size``).
    """
    return (classifier or get_classifier()).classify(name, values, comment, data_type, sample_size)


def grade_table(
    fields: Iterable[ColumnClassification],
    *,
    row_count: int | None = None,
    classifier: ColumnClassifier | None = None,
) -> TableClassification:
    """Grade a table from its classified fields (pure: no values needed)."""
    return (classifier or get_classifier()).grade_table(fields, row_count)
