"""Grading (分级): what finding an entity means (category, grade, quasi-identifier kind), header rules, table grades.

One mapping from entity to category and grade, used by the classifier and by reviewer overrides alike
(config/classification.yaml); pure functions of the rules, no values needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from govdata.classify.rules import GRADES, ClassificationRules, EntityRule, HeaderRule, grade_index

NONE = "NONE"
FREE_TEXT = "FREE_TEXT_WITH_PII"
#: GB/T 43697 levels, lowest first.
IMPORTANCE = ("一般", "重要", "核心")


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


@dataclass(frozen=True)
class Grading:
    """A category, a grade and the quasi-identifier kind (None: not personal)."""

    category: str
    grade: str
    quasi_identifier: str | None


def rule_grading(rule: EntityRule | HeaderRule) -> Grading:
    """What an entity rule or a header rule says."""
    return Grading(rule.category, rule.grade, rule.quasi_identifier)


def default_grading(rules: ClassificationRules) -> Grading:
    """No personal data found: the rules' default outcome."""
    return Grading(rules.default.category, rules.default.grade, None)


def free_text_grading(rules: ClassificationRules, embedded: Iterable[str] = ()) -> Grading:
    """Free text with personal data: the rules' outcome, raised to the highest grade of the entities it embeds."""
    grade = rules.free_text_with_pii.grade
    for inner in embedded:
        inner_rule = rules.entities.get(inner)
        if inner_rule and grade_index(inner_rule.grade) > grade_index(grade):
            grade = inner_rule.grade
    return Grading(rules.free_text_with_pii.category, grade, "direct")


def entity_grading(rules: ClassificationRules, entity: str) -> Grading | None:
    """The grading of an entity as reported (FREE_TEXT_WITH_PII, NONE or an entity of the rules); None if unknown.

    An output name another detected entity is reported as (e.g. NONE for 不动产权证号) has no rule of its
    own: it takes the rule of the entity reported under it.
    """
    if entity == FREE_TEXT:
        return free_text_grading(rules)
    if entity == NONE:
        return default_grading(rules)
    rule = rules.entities.get(entity)
    if rule is None:
        rule = next((r for r in rules.entities.values() if (r.output_entity or "") == entity), None)
    return None if rule is None else rule_grading(rule)


def raised_by_header_rule(graded: Grading, rule: HeaderRule) -> Grading:
    """A finding under a header rule (health, income …): the rule's category and grade where it grades higher."""
    category, grade = graded.category, graded.grade
    if grade_index(rule.grade) > grade_index(grade):
        category, grade = rule.category, rule.grade
    return Grading(category, grade, graded.quasi_identifier or rule.quasi_identifier)


def header_importance(rule: HeaderRule | None) -> str:
    """The GB/T 43697 level a header rule sets (一般 without one)."""
    return (rule.gbt43697 if rule is not None else None) or IMPORTANCE[0]


def is_personal(rules: ClassificationRules, entity: str) -> bool:
    """Whether an entity is personal data (its rule names a quasi-identifier kind)."""
    rule = rules.entities.get(entity)
    return rule is not None and rule.quasi_identifier is not None


def table_grade(
    rules: ClassificationRules, fields: Iterable[ColumnClassification], row_count: int | None = None
) -> TableClassification:
    """Table grade = highest field grade, +1 (max L4) where a quasi-identifier combination is present."""
    fields = list(fields)
    if not fields:
        return TableClassification(rules.default.grade, IMPORTANCE[0], [], None, ["no fields"])
    top = max(grade_index(f.grade) for f in fields)
    highest = [f.name for f in fields if grade_index(f.grade) == top]
    reasons = [f"highest field grade {GRADES[top]}: {', '.join(highest)}"]
    present = {f.quasi_identifier for f in fields if f.quasi_identifier}
    raised_by = None
    for combo in rules.quasi_identifier_combinations:
        if set(combo.requires) <= present:
            raised_by = combo.name
            if top < 3:
                reasons.append(f"raised one level: quasi-identifiers {combo.name} together allow re-identification")
                top += 1
            else:
                reasons.append(f"quasi-identifiers {combo.name} present (already at the top grade)")
            break
    importance = max((f.gbt43697 for f in fields), key=IMPORTANCE.index)
    scale = rules.important_data
    if (
        row_count is not None
        and scale.min_rows is not None
        and row_count >= scale.min_rows
        and any(f.category in scale.sensitive_categories for f in fields)
        and IMPORTANCE.index(importance) < 1
    ):
        importance = "重要"
        reasons.append(f"GB/T 43697 重要数据: sensitive personal information of {row_count} ≥ {scale.min_rows} rows")
    return TableClassification(GRADES[top], importance, highest, raised_by, reasons)
