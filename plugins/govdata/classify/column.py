"""Classify one column from its name, comment, data type and sampled values; grade a table from its fields.

Structured columns are decided from regex + validator checks over the whole sample (cheap, no NLP);
only columns that read as free text go through Presidio, cell by cell. Evidence is the maximum over the
sample, not the average: two phone numbers in a hundred remarks make the remarks column personal data.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

from govdata import config
from govdata.classify.addresses import parse_address
from govdata.classify.containers import array_elements, container_kind, values_by_key
from govdata.classify.evidence import masked_examples
from govdata.classify.headers import HeaderHit, is_placeholder_name, match_terms
from govdata.classify.names import (
    is_name_shape,
    is_name_with_header,
    is_name_without_header,
    load_surnames,
    subject_name_pattern,
)
from govdata.classify.normalize import normalize_text, normalize_value
from govdata.classify.rules import (
    ClassificationRules,
    EntityRule,
    HeaderRule,
    RecognizerRegistry,
    RecognizerSpec,
    grade_index,
    load_registry,
    load_rules,
    recognizer_version,
)
from govdata.classify.validators import VALIDATORS
from govdata.mask.text import mask_free_text

NONE = "NONE"
FREE_TEXT = "FREE_TEXT_WITH_PII"
IMPORTANCE = ("一般", "重要", "核心")

#: Cell contents that mean "no value" and do not count in shares.
NULL_TOKENS = frozenset(
    {"", "null", "none", "nan", "n/a", "na", "-", "--", "—", "/", "无", "暂无", "空", "不详", "#N/A"}
)

#: Data types whose text form cannot hold the entities (header rules still apply). Numbers can (a
#: mobile number stored as a float), and so can JSON and arrays, which are unwrapped (containers.py).
_NON_TEXT_TYPES = re.compile(r"(?i)^(date|time|timestamp|interval|bool|boolean|bytea|blob)\b")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SENTENCE = re.compile(r"[，。；！？、,;!?：:\s]")
_DIGIT_RUN = re.compile(r"\d{5,}")


@dataclass(frozen=True)
class ColumnClassification:
    """Everything the classifier says about one field; `to_dict` is the CLI/JSON form."""

    name: str
    entity: str
    category: str
    grade: str
    gbt43697: str
    confidence: float
    evidence: dict[str, Any]
    quasi_identifier: str | None = None
    recognizer_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The contract of ``govdata classify --json``: name, entity, category, grade, confidence, evidence."""
        return {
            "name": self.name,
            "entity": self.entity,
            "category": self.category,
            "grade": self.grade,
            "confidence": self.confidence,
            "evidence": self.evidence,
        }

    def to_record(self) -> dict[str, Any]:
        """Every field, for storage (governance.field_classification)."""
        return {
            **self.to_dict(),
            "gbt43697": self.gbt43697,
            "quasi_identifier": self.quasi_identifier,
            "recognizer_version": self.recognizer_version,
        }


@dataclass(frozen=True)
class TableClassification:
    """A table's grade: the highest field grade, raised where quasi-identifiers combine."""

    grade: str
    gbt43697: str
    highest_fields: list[str]
    raised_by: str | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "grade": self.grade,
            "gbt43697": self.gbt43697,
            "highest_fields": self.highest_fields,
            "raised_by": self.raised_by,
            "reasons": self.reasons,
        }


@dataclass
class _Matcher:
    spec: RecognizerSpec
    pattern: Any  # the recognizer's patterns as one alternation
    validator: Any
    confirming: bool
    needs_han: bool


@dataclass
class _EntityStats:
    shaped: int = 0  # values with the entity's shape
    validated: int = 0  # … that also pass its validator
    assigned: int = 0  # … and were given this entity after tie-breaks
    examples: list[str] = field(default_factory=list)


def _family(value: str) -> tuple[str, int, str]:
    body = value[:-1] if value[-1:] in "Xx" else value
    return ("digits" if body.isdigit() else "other", len(value), value[:1])


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
        self.matchers: list[_Matcher] = []
        self.person_spec: RecognizerSpec | None = None
        self.address_spec: RecognizerSpec | None = None
        for spec in registry.recognizers:
            if spec.recognizer == "chinese_name":
                self.person_spec = spec
                continue
            if spec.recognizer == "chinese_address":
                self.address_spec = spec
                continue
            raw = [p.regex for p in spec.patterns]
            self.matchers.append(
                _Matcher(
                    spec=spec,
                    pattern=regex.compile("|".join(f"(?:{r})" for r in raw)),
                    validator=VALIDATORS[spec.validator] if spec.validator else None,
                    confirming=spec.strong_in_column,
                    needs_han=any(_HAN.search(r) or "\\p{Han}" in r for r in raw),
                )
            )
        self.order = [spec.entity for spec in registry.recognizers]
        self.strength = {spec.entity: spec.strength for spec in registry.recognizers}
        self.strong = {m.spec.entity for m in self.matchers if m.confirming}
        names = self.person_spec.names if self.person_spec else None
        self.surnames = load_surnames(tuple(names.extra_surnames) if names else ())
        self.not_names = frozenset(names.not_names) if names else frozenset()
        self._cues = self._free_text_cues()

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

        decided = self._structured(texts, hits, evidence)
        if decided is not None:
            entity, confidence = decided
            return self._result(name, entity, confidence, evidence, rule_hit)

        free_header = self.is_free_text_header(name, comment)
        if free_header or self._looks_free_text(texts) or evidence.get("sparse_hits"):
            evidence["free_text"] = True
            if free_header:
                evidence["free_text_header"] = free_header.describe()
            found = self._scan_free_text(texts, evidence)
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

    # ---------------------------------------------------------------- structured values
    def _structured(self, texts: list[str], hits: dict[str, HeaderHit], evidence: dict[str, Any]):
        th = self.rules.thresholds
        stats: dict[str, _EntityStats] = {}
        candidates: list[tuple[str, list[str]]] = []
        han_values: list[str] = []
        # values of the same family (all digits, same length) as an entity's validated values: a column of
        # 11-digit codes where one in ten happens to be a valid mobile number is a column of codes
        families: Counter[tuple[str, int, str]] = Counter()
        entity_families: dict[str, set[tuple[str, int, str]]] = {}
        for text in texts:
            value = normalize_value(text)
            family = _family(value)
            families[family] += 1
            found: list[str] = []
            ascii_only = value.isascii()
            for m in self.matchers:
                if m.needs_han == ascii_only:
                    continue
                if not m.pattern.fullmatch(value):
                    continue
                st = stats.setdefault(m.spec.entity, _EntityStats())
                st.shaped += 1
                if m.validator is None or m.validator(value):
                    st.validated += 1
                    found.append(m.spec.entity)
                    entity_families.setdefault(m.spec.entity, set()).add(family)
            if not ascii_only:
                han_values.append(text)
                if "ADDRESS" not in found and self.address_spec is not None and parse_address(text).is_address:
                    st = stats.setdefault("ADDRESS", _EntityStats())
                    st.shaped += 1
                    st.validated += 1
                    found.append("ADDRESS")
            candidates.append((text, found))

        person_ok = self._person_values(han_values, len(texts), hits, stats)
        if person_ok:
            candidates = [(t, f + ["PERSON"] if t in person_ok and not f else f) for t, f in candidates]

        # tie-break: header, then what the column's unambiguous values are, then the stronger validation
        unambiguous = Counter(f[0] for _, f in candidates if len(f) == 1)
        header_entities = set(hits)
        ties: Counter[tuple[tuple[str, ...], str, str]] = Counter()
        for text, found in candidates:
            if not found:
                continue
            chosen = found[0]
            if len(found) > 1:
                chosen, why = self._tie_break(found, header_entities, unambiguous)
                ties[(tuple(sorted(found)), chosen, why)] += 1
            st = stats[chosen]
            st.assigned += 1
            if len(st.examples) < 6:
                st.examples.append(text)
        if ties:
            evidence["tie_breaks"] = [
                {"candidates": list(c), "chosen": e, "rule": why, "values": n} for (c, e, why), n in ties.items()
            ]

        n = len(texts)
        for entity, keys in entity_families.items():
            st = stats[entity]
            st.shaped = max(st.shaped, sum(families[k] for k in keys if k[0] == "digits"))
        accepted: list[tuple[float, str]] = []
        for entity, st in stats.items():
            if not st.assigned:
                continue
            share = st.assigned / n
            consistency = st.validated / st.shaped if st.shaped else 0.0
            weak = entity not in self.strong
            if entity in hits:
                needed = th.share_with_header
            else:
                needed = th.weak_share_without_header if weak else th.share_without_header
            if share >= needed and consistency >= th.consistency:
                accepted.append((share + (0.01 if entity in hits else 0.0), entity))
        total_assigned = sum(st.assigned for st in stats.values())
        if not accepted and stats:
            # a mixed column (证件号码 with ID, passport and permit numbers): the leader takes it when the
            # validated values together dominate and the leader alone has a fair share
            leader = max(stats, key=lambda e: (stats[e].assigned, -self.order.index(e)))
            st = stats[leader]
            consistent = st.shaped and st.validated / st.shaped >= th.consistency
            if consistent and total_assigned / n >= th.share_without_header and st.assigned / n >= th.share_with_header:
                accepted.append((st.assigned / n, leader))

        self._record_stats(evidence, stats, n)
        if not accepted:
            sparse = {
                e: st.assigned
                for e, st in stats.items()
                if st.assigned
                and e in self.strong
                and st.validated / st.shaped >= th.consistency
                and self._is_personal(e)
            }
            if sparse:
                evidence["sparse_hits"] = sparse
            return None

        accepted.sort(reverse=True)
        entity = accepted[0][1]
        st = stats[entity]
        share = st.assigned / n
        evidence["recognizer"] = self._recognizer_name(entity)
        evidence["matched"] = st.assigned
        evidence["share"] = round(share, 3)
        evidence["validation"] = self._validation_text(entity)
        evidence["examples"] = masked_examples(entity, st.examples, self.masking)
        others = {e: s.assigned for e, s in stats.items() if e != entity and s.assigned}
        if others:
            evidence["also_found"] = others
        if entity in hits:
            evidence["header_rule"] = hits[entity].describe()
        base = 0.9 if entity in self.strong else 0.75
        confidence = base * (0.6 + 0.4 * min(1.0, share / 0.9)) + (0.1 if entity in hits else 0.0)
        return entity, round(min(confidence, 0.99), 2)

    def _person_values(
        self, han_values: list[str], n: int, hits: dict[str, HeaderHit], stats: dict[str, _EntityStats]
    ) -> set[str]:
        """Values that are personal names; the dictionary check only runs when the shape share is high."""
        if self.person_spec is None or not han_values:
            return set()
        th = self.rules.thresholds
        if "PERSON" in hits:
            names = {v for v in han_values if is_name_with_header(v, self.not_names)}
        else:
            shaped = [v for v in han_values if is_name_shape(v, self.surnames, self.not_names)]
            if len(shaped) / n < th.weak_share_without_header:
                if shaped:
                    stats["PERSON"] = _EntityStats(shaped=len(shaped), validated=0)
                return set()
            names = {v for v in shaped if is_name_without_header(v, self.surnames, self.not_names)}
        if names:
            count = sum(1 for v in han_values if v in names)
            stats["PERSON"] = _EntityStats(shaped=count, validated=count)
        return names

    def _tie_break(self, found: list[str], header: set[str], unambiguous: Counter[str]) -> tuple[str, str]:
        named = [e for e in found if e in header]
        if len(named) == 1:
            return named[0], "header"
        counts = sorted(((unambiguous[e], e) for e in found), reverse=True)
        if counts[0][0] > 0 and counts[0][0] > counts[1][0]:
            return counts[0][1], "column"
        best = max(found, key=lambda e: (self.strength.get(e, 0), -self.order.index(e)))
        return best, "strength"

    def _record_stats(self, evidence: dict[str, Any], stats: dict[str, _EntityStats], n: int) -> None:
        evidence["candidates"] = {
            e: {"shaped": st.shaped, "validated": st.validated, "assigned": st.assigned}
            for e, st in stats.items()
            if st.shaped
        }

    # ---------------------------------------------------------------- free text
    def _looks_free_text(self, texts: list[str]) -> bool:
        mean_length = sum(len(t) for t in texts) / len(texts)
        if mean_length < self.rules.thresholds.free_text_min_length:
            return False
        sentence_like = sum(1 for t in texts if _SENTENCE.search(t)) / len(texts)
        return sentence_like >= 0.3 or mean_length >= 2 * self.rules.thresholds.free_text_min_length

    def _free_text_cues(self) -> re.Pattern[str]:
        # names and addresses in running text need a cue: a context word, an honorific, a street or number
        words: set[str] = set()
        for spec in (self.person_spec, self.address_spec):
            if spec is not None:
                words.update(spec.context)
        words.update(["先生", "女士", "小姐", "老师", "师傅", "来电", "来访", "反映", "投诉", "咨询", "同志", "本人"])
        alternatives = [
            r"[路街巷弄]",
            r"村\d",
            r"\d+(?:号|栋|幢|室|组)",
            *map(re.escape, sorted(words, key=len, reverse=True)),
        ]
        return re.compile("|".join(alternatives) + "|" + subject_name_pattern(self.surnames).pattern)

    def might_hold_pii(self, text: str) -> bool:
        """Cheap pre-check of one free-text cell: a validated identifier candidate or a name/address cue.

        Cells that fail it cannot produce a finding, so Presidio (≈1 ms a cell) only sees the rest.
        """
        if self._cues.search(text):
            return True
        for m in self.matchers:
            for match in m.pattern.finditer(text):
                if m.validator is None or m.validator(match.group()):
                    return True
        return False

    def _scan_free_text(self, texts: list[str], evidence: dict[str, Any]) -> float | None:
        from govdata.classify.presidio_engine import analyze_text

        threshold = self.rules.thresholds.free_text_score
        embedded: Counter[str] = Counter()
        cells = 0
        best = 0.0
        examples: list[str] = []
        recognizers: set[str] = set()
        for text in texts:
            if not self.might_hold_pii(normalize_text(text).text):
                continue
            findings = [
                f
                for f in analyze_text(text, self.registry_path)
                if f.score >= threshold and self._is_personal(f.entity)
            ]
            if not findings:
                continue
            cells += 1
            for f in findings:
                embedded[f.entity] += 1
                recognizers.add(f.recognizer)
                best = max(best, f.score)
            if len(examples) < 3:
                examples.append(mask_free_text(text, [(f.start, f.end, f.entity) for f in findings], self.masking))
        evidence["scanned_cells"] = len(texts)
        if not cells:
            return None
        evidence["recognizer"] = ",".join(sorted(recognizers))
        evidence["cells_with_pii"] = cells
        evidence["share"] = round(cells / len(texts), 3)
        evidence["embedded"] = dict(embedded)
        evidence["examples"] = examples
        return round(min(0.99, best * (0.85 + 0.05 * min(cells, 3))), 2)

    # ---------------------------------------------------------------- outcomes
    def _is_personal(self, entity: str) -> bool:
        rule = self.rules.entities.get(entity)
        return rule is not None and rule.quasi_identifier is not None

    def _recognizer_name(self, entity: str) -> str:
        return next((s.name for s in self.registry.recognizers if s.entity == entity), entity)

    def _validation_text(self, entity: str) -> str:
        spec = next((s for s in self.registry.recognizers if s.entity == entity), None)
        if spec is None:
            return ""
        if spec.recognizer:
            return spec.recognizer
        return spec.validator or "pattern only"

    def _result(
        self,
        name: str,
        entity: str,
        confidence: float,
        evidence: dict[str, Any],
        rule_hit: tuple[HeaderRule, HeaderHit] | None,
        embedded: dict[str, int] | None = None,
    ) -> ColumnClassification:
        quasi: str | None
        grade: str
        if entity == FREE_TEXT:
            category, grade = self.rules.free_text_with_pii.category, self.rules.free_text_with_pii.grade
            for inner in embedded or {}:
                inner_rule = self.rules.entities.get(inner)
                if inner_rule and grade_index(inner_rule.grade) > grade_index(grade):
                    grade = inner_rule.grade
            quasi = "direct"
            shown = FREE_TEXT
        else:
            rule: EntityRule = self.rules.entities[entity]
            category, grade, quasi = rule.category, rule.grade, rule.quasi_identifier
            shown = rule.output_entity or entity
            if shown != entity:
                evidence["detected"] = entity
        importance: str = "一般"
        if rule_hit is not None:
            header_rule, hit = rule_hit
            evidence["category_rule"] = f"{header_rule.name} ({hit.describe()})"
            if grade_index(header_rule.grade) > grade_index(grade):
                category, grade = header_rule.category, header_rule.grade
            quasi = quasi or header_rule.quasi_identifier
            importance = header_rule.gbt43697 or importance
        evidence["gbt43697"] = importance
        return ColumnClassification(
            name=name,
            entity=shown,
            category=category,
            grade=grade,
            gbt43697=importance,
            confidence=confidence,
            evidence=evidence,
            quasi_identifier=quasi,
            recognizer_version=self.version,
        )

    def _none(
        self,
        name: str,
        hits: dict[str, HeaderHit],
        rule_hit: tuple[HeaderRule, HeaderHit] | None,
        evidence: dict[str, Any],
    ) -> ColumnClassification:
        category, grade = self.rules.default.category, self.rules.default.grade
        quasi = None
        importance = "一般"
        near_miss = 0.0
        n = max(evidence.get("non_empty", 0), 1)
        for st in evidence.get("candidates", {}).values():
            near_miss = max(near_miss, st["shaped"] / n)
        confidence = max(0.5, 0.9 - 0.4 * near_miss - (0.2 if hits else 0.0))
        if hits:
            evidence["note"] = "header suggests personal data but the values do not confirm it"
        if rule_hit is not None:
            header_rule, hit = rule_hit
            category, grade, quasi = header_rule.category, header_rule.grade, header_rule.quasi_identifier
            importance = header_rule.gbt43697 or importance
            evidence["category_rule"] = f"{header_rule.name} ({hit.describe()})"
            confidence = 0.8
        evidence["gbt43697"] = importance
        return ColumnClassification(
            name=name,
            entity=NONE,
            category=category,
            grade=grade,
            gbt43697=importance,
            confidence=round(confidence, 2),
            evidence=evidence,
            quasi_identifier=quasi,
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
            entity = min(hits, key=self.order.index)
            evidence["header_rule"] = hits[entity].describe()
            evidence["note"] = "no values sampled: decided from the header alone"
            return self._result(name, entity, 0.5, evidence, rule_hit)
        return self._none(name, {}, rule_hit, evidence)

    # ---------------------------------------------------------------- table
    def grade_table(self, fields: Iterable[ColumnClassification], row_count: int | None = None) -> TableClassification:
        """Table grade = highest field grade, +1 (max L4) where a quasi-identifier combination is present."""
        fields = list(fields)
        if not fields:
            return TableClassification(self.rules.default.grade, "一般", [], None, ["no fields"])
        top = max(grade_index(f.grade) for f in fields)
        highest = [f.name for f in fields if grade_index(f.grade) == top]
        reasons = [f"highest field grade {('L1', 'L2', 'L3', 'L4')[top]}: {', '.join(highest)}"]
        present = {f.quasi_identifier for f in fields if f.quasi_identifier}
        raised_by = None
        for combo in self.rules.quasi_identifier_combinations:
            if set(combo.requires) <= present:
                raised_by = combo.name
                if top < 3:
                    reasons.append(f"raised one level: quasi-identifiers {combo.name} together allow re-identification")
                    top += 1
                else:
                    reasons.append(f"quasi-identifiers {combo.name} present (already at the top grade)")
                break
        importance = max((f.gbt43697 for f in fields), key=IMPORTANCE.index)
        scale = self.rules.important_data
        if (
            row_count is not None
            and scale.min_rows is not None
            and row_count >= scale.min_rows
            and any(f.category in scale.sensitive_categories for f in fields)
            and IMPORTANCE.index(importance) < 1
        ):
            importance = "重要"
            reasons.append(
                f"GB/T 43697 重要数据: sensitive personal information of {row_count} ≥ {scale.min_rows} rows"
            )
        return TableClassification(("L1", "L2", "L3", "L4")[top], importance, highest, raised_by, reasons)


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
