"""Structured matching: a column's entity from regex + validator checks over its whole sample (cheap, no NLP).

Steps, each a method of `StructuredMatcher`: scan the values (shape, validator, address parser), add personal
names, assign each value one entity (tie-breaks), widen shapes to value families, accept the entities with
enough share and consistency (or the leader of a mixed column), and describe the winner in the evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import regex

from govdata import config
from govdata.classify.addresses import parse_address
from govdata.classify.evidence import masked_examples
from govdata.classify.grading import is_personal
from govdata.classify.headers import HeaderHit
from govdata.classify.names import is_name_shape, is_name_with_header, is_name_without_header, load_surnames
from govdata.classify.normalize import normalize_value
from govdata.classify.rules import ClassificationRules, RecognizerRegistry, RecognizerSpec
from govdata.classify.validators import VALIDATORS

_HAN = re.compile(r"[\u3400-\u9fff]")

#: (digits or other, length, first character) of a value.
Family = tuple[str, int, str]


@dataclass
class Matcher:
    """A pattern recognizer of the registry, compiled."""

    spec: RecognizerSpec
    pattern: Any  # the recognizer's patterns as one alternation
    validator: Any
    confirming: bool
    needs_han: bool

    def validated_in(self, text: str) -> bool:
        """Whether some match inside ``text`` passes the validator."""
        return any(self.validator is None or self.validator(m.group()) for m in self.pattern.finditer(text))


def compile_matcher(spec: RecognizerSpec) -> Matcher:
    """A recognizer's patterns as one regex, with its validator."""
    raw = [p.regex for p in spec.patterns]
    return Matcher(
        spec=spec,
        pattern=regex.compile("|".join(f"(?:{r})" for r in raw)),
        validator=VALIDATORS[spec.validator] if spec.validator else None,
        confirming=spec.strong_in_column,
        needs_han=any(_HAN.search(r) or "\\p{Han}" in r for r in raw),
    )


@dataclass
class EntityStats:
    """How the values of a column matched one entity."""

    shaped: int = 0  # values with the entity's shape
    validated: int = 0  # … that also pass its validator
    assigned: int = 0  # … and were given this entity after tie-breaks
    examples: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    """What one pass over the values found."""

    stats: dict[str, EntityStats] = field(default_factory=dict)
    candidates: list[tuple[str, list[str]]] = field(default_factory=list)  # each value with its entities
    han_values: list[str] = field(default_factory=list)
    # values of the same family (all digits, same length) as an entity's validated values: a column of
    # 11-digit codes where one in ten happens to be a valid mobile number is a column of codes
    families: Counter[Family] = field(default_factory=Counter)
    entity_families: dict[str, set[Family]] = field(default_factory=dict)


def _family(value: str) -> Family:
    body = value[:-1] if value[-1:] in "Xx" else value
    return ("digits" if body.isdigit() else "other", len(value), value[:1])


class StructuredMatcher:
    """The registry's pattern recognizers and the name/address parsers, decided over a column's values."""

    def __init__(self, registry: RecognizerRegistry, rules: ClassificationRules, masking: config.MaskPolicy) -> None:
        self.registry = registry
        self.rules = rules
        self.masking = masking
        self.matchers: list[Matcher] = []
        self.person_spec: RecognizerSpec | None = None
        self.address_spec: RecognizerSpec | None = None
        for spec in registry.recognizers:
            if spec.recognizer == "chinese_name":
                self.person_spec = spec
            elif spec.recognizer == "chinese_address":
                self.address_spec = spec
            else:
                self.matchers.append(compile_matcher(spec))
        self.order = [spec.entity for spec in registry.recognizers]
        self.strength = {spec.entity: spec.strength for spec in registry.recognizers}
        self.strong = {m.spec.entity for m in self.matchers if m.confirming}
        names = self.person_spec.names if self.person_spec else None
        self.surnames = load_surnames(tuple(names.extra_surnames) if names else ())
        self.not_names = frozenset(names.not_names) if names else frozenset()

    def decide(
        self, texts: list[str], hits: dict[str, HeaderHit], evidence: dict[str, Any]
    ) -> tuple[str, float] | None:
        """(entity, confidence) when the values decide the column, else None; fills ``evidence`` either way."""
        n = len(texts)
        scan = self._scan(texts)
        self._add_names(scan, n, hits)
        self._assign(scan, set(hits), evidence)
        self._widen_to_families(scan)
        stats = scan.stats
        accepted = self._accepted(stats, hits, n) or self._mixed_column_leader(stats, n)
        evidence["candidates"] = {
            e: {"shaped": st.shaped, "validated": st.validated, "assigned": st.assigned}
            for e, st in stats.items()
            if st.shaped
        }
        if not accepted:
            sparse = self._sparse_hits(stats)
            if sparse:
                evidence["sparse_hits"] = sparse
            return None
        entity = max(accepted)[1]
        return entity, self._describe(entity, stats, hits, n, evidence)

    # ------------------------------------------------------------------ steps
    def _scan(self, texts: list[str]) -> _Scan:
        """Each value's entities: pattern + validator, then the address parser for values with Han characters."""
        scan = _Scan()
        for text in texts:
            value = normalize_value(text)
            family = _family(value)
            scan.families[family] += 1
            found: list[str] = []
            ascii_only = value.isascii()
            for m in self.matchers:
                if m.needs_han == ascii_only or not m.pattern.fullmatch(value):
                    continue
                st = scan.stats.setdefault(m.spec.entity, EntityStats())
                st.shaped += 1
                if m.validator is None or m.validator(value):
                    st.validated += 1
                    found.append(m.spec.entity)
                    scan.entity_families.setdefault(m.spec.entity, set()).add(family)
            if not ascii_only:
                scan.han_values.append(text)
                if "ADDRESS" not in found and self.address_spec is not None and parse_address(text).is_address:
                    st = scan.stats.setdefault("ADDRESS", EntityStats())
                    st.shaped += 1
                    st.validated += 1
                    found.append("ADDRESS")
            scan.candidates.append((text, found))
        return scan

    def _add_names(self, scan: _Scan, n: int, hits: dict[str, HeaderHit]) -> None:
        """PERSON for the values that are personal names and matched nothing else."""
        person_ok = self._person_values(scan.han_values, n, hits, scan.stats)
        if person_ok:
            scan.candidates = [(t, f + ["PERSON"] if t in person_ok and not f else f) for t, f in scan.candidates]

    def _person_values(
        self, han_values: list[str], n: int, hits: dict[str, HeaderHit], stats: dict[str, EntityStats]
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
                    stats["PERSON"] = EntityStats(shaped=len(shaped), validated=0)
                return set()
            names = {v for v in shaped if is_name_without_header(v, self.surnames, self.not_names)}
        if names:
            count = sum(1 for v in han_values if v in names)
            stats["PERSON"] = EntityStats(shaped=count, validated=count)
        return names

    def _assign(self, scan: _Scan, header: set[str], evidence: dict[str, Any]) -> None:
        """Give each value one entity: the header's, then the column's unambiguous one, then the stronger check."""
        unambiguous = Counter(f[0] for _, f in scan.candidates if len(f) == 1)
        ties: Counter[tuple[tuple[str, ...], str, str]] = Counter()
        for text, found in scan.candidates:
            if not found:
                continue
            chosen = found[0]
            if len(found) > 1:
                chosen, why = self._tie_break(found, header, unambiguous)
                ties[(tuple(sorted(found)), chosen, why)] += 1
            st = scan.stats[chosen]
            st.assigned += 1
            if len(st.examples) < 6:
                st.examples.append(text)
        if ties:
            evidence["tie_breaks"] = [
                {"candidates": list(c), "chosen": e, "rule": why, "values": n} for (c, e, why), n in ties.items()
            ]

    def _tie_break(self, found: list[str], header: set[str], unambiguous: Counter[str]) -> tuple[str, str]:
        named = [e for e in found if e in header]
        if len(named) == 1:
            return named[0], "header"
        counts = sorted(((unambiguous[e], e) for e in found), reverse=True)
        if counts[0][0] > 0 and counts[0][0] > counts[1][0]:
            return counts[0][1], "column"
        best = max(found, key=lambda e: (self.strength.get(e, 0), -self.order.index(e)))
        return best, "strength"

    @staticmethod
    def _widen_to_families(scan: _Scan) -> None:
        """An entity's shape share counts every digit value of the families its validated values belong to."""
        for entity, keys in scan.entity_families.items():
            st = scan.stats[entity]
            st.shaped = max(st.shaped, sum(scan.families[k] for k in keys if k[0] == "digits"))

    def _accepted(self, stats: dict[str, EntityStats], hits: dict[str, HeaderHit], n: int) -> list[tuple[float, str]]:
        """(share, entity) of each entity with the share its header (or strength) needs and consistent values."""
        th = self.rules.thresholds
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
        return accepted

    def _mixed_column_leader(self, stats: dict[str, EntityStats], n: int) -> list[tuple[float, str]]:
        """The leader of a mixed column (证件号码 with ID, passport and permit numbers), if it may take the column.

        It may when the validated values together dominate and the leader alone has a fair share.
        """
        if not stats:
            return []
        th = self.rules.thresholds
        total_assigned = sum(st.assigned for st in stats.values())
        leader = max(stats, key=lambda e: (stats[e].assigned, -self.order.index(e)))
        st = stats[leader]
        consistent = st.shaped and st.validated / st.shaped >= th.consistency
        if consistent and total_assigned / n >= th.share_without_header and st.assigned / n >= th.share_with_header:
            return [(st.assigned / n, leader)]
        return []

    def _sparse_hits(self, stats: dict[str, EntityStats]) -> dict[str, int]:
        """Strong, consistent personal identifiers too few to decide the column: a reason to scan it as text."""
        th = self.rules.thresholds
        return {
            e: st.assigned
            for e, st in stats.items()
            if st.assigned
            and e in self.strong
            and st.validated / st.shaped >= th.consistency
            and is_personal(self.rules, e)
        }

    def _describe(
        self, entity: str, stats: dict[str, EntityStats], hits: dict[str, HeaderHit], n: int, evidence: dict[str, Any]
    ) -> float:
        """The winner's evidence (recognizer, share, masked examples, what else was found); returns the confidence."""
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
        return round(min(confidence, 0.99), 2)

    def _recognizer_name(self, entity: str) -> str:
        return next((s.name for s in self.registry.recognizers if s.entity == entity), entity)

    def _validation_text(self, entity: str) -> str:
        spec = next((s for s in self.registry.recognizers if s.entity == entity), None)
        if spec is None:
            return ""
        if spec.recognizer:
            return spec.recognizer
        return spec.validator or "pattern only"
