"""Mask one table read from a file: each column classified on all its values, then masked whole or by spans.

Read → plan → apply: `plan_columns` classifies every column of a `FileTable` (all values, never a sample: a
remarks column where 2 % of cells hold a phone number can sample clean) and decides how it is masked;
`TableMasker.mask_cell` then masks one cell's text by its column's plan. Structured personal columns are
masked whole by their entity's rule of the policy; free text keeps its text with each detected span masked;
any other column is kept as written, except a cell holding a validated identifier (ID with its checksum, a
mobile number) the column's classification did not explain — that span is masked (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from govdata import config
from govdata.errors import GovdataError
from govdata.mask.text import Span, replace_spans
from govdata.mask.values import mask_value

if TYPE_CHECKING:
    from govdata.classify.column import ColumnClassifier
    from govdata.classify.grading import ColumnClassification
    from govdata.classify.structured import Matcher
    from govdata.files import FileTable

#: whole: every cell by the entity's rule; spans: free text, detected spans only; identifiers: kept, but
#: validated identifiers inside a cell masked
Action = Literal["whole", "spans", "identifiers"]


class ColumnNotClassified(GovdataError):
    """A column the classifier failed on: its file is not masked at all (never published half-checked)."""


@dataclass(frozen=True)
class ColumnPlan:
    """How one column of a table is masked, and why."""

    name: str
    col: int  # 1-based column of the sheet / CSV record
    action: Action
    entity: str  # the entity whose rule masks the column (whole), else what the classifier said
    note: str = ""

    @property
    def personal(self) -> bool:
        """Whether the column is masked as a personal column (whole or free text)."""
        return self.action != "identifiers"


def plan_column(classifier: ColumnClassifier, name: str, col: int, result: ColumnClassification) -> ColumnPlan:
    """The plan of one classified column (pure: the classification decides)."""
    from govdata.classify.grading import FREE_TEXT, NONE

    if result.entity == FREE_TEXT:
        return ColumnPlan(name, col, "spans", FREE_TEXT)
    detected = str(result.evidence.get("detected", result.entity))  # an entity reported under another name
    if detected != NONE:
        return ColumnPlan(name, col, "whole", detected)
    suggested = [e for e in classifier.structured.order if e in result.evidence.get("header_suggests", {})]
    if suggested:
        # the header says personal data, the values do not confirm it: masked as the header says (fail closed)
        return ColumnPlan(name, col, "whole", suggested[0], "header suggests it, values do not confirm")
    return ColumnPlan(name, col, "identifiers", NONE)


def plan_columns(classifier: ColumnClassifier, table: FileTable) -> list[ColumnPlan]:
    """Each column of a table classified on every one of its values, and its plan."""
    assert table.layout is not None  # the file readers always set it
    plans = []
    for i, (name, layout_col) in enumerate(zip(table.columns, table.layout.columns, strict=True)):
        values = [row[i] for row in table.rows]
        try:
            result = classifier.classify(name, values, sample_size=len(values))
        except Exception as exc:  # a classifier bug must not leave a personal column raw
            raise ColumnNotClassified(
                f"{table.label}: column {name!r} cannot be classified ({type(exc).__name__}: {exc}); nothing written"
            ) from exc
        plans.append(plan_column(classifier, name, layout_col.col, result))
    return plans


def personal_identifiers(classifier: ColumnClassifier) -> list[Matcher]:
    """The confirming (validated) identifiers that are personal data: an ID, a phone number, a bank card.

    A 统一社会信用代码 is validated too, but a company's is public and kept: a report number such as
    NB2024914403003PE8MREM9K that embeds one holds nothing to mask, and is not worth a look by Presidio.
    """
    from govdata.classify.grading import is_personal

    rules = classifier.rules
    return [m for m in classifier.structured.matchers if m.confirming and is_personal(rules, m.spec.entity)]


class TableMasker:
    """The classifier's recognizers and one masking policy, applied to cells."""

    def __init__(self, classifier: ColumnClassifier, policy: config.MaskPolicy) -> None:
        self.classifier = classifier
        self.policy = policy
        self.threshold = classifier.rules.thresholds.free_text_score
        self.identifiers = personal_identifiers(classifier)

    def mask_cell(self, plan: ColumnPlan, text: str) -> str:
        """One cell's text masked by its column's plan; unchanged when there is nothing to mask.

        Null-like tokens (``NULL``, ``-``, ``无`` …) are kept as written in every column: they hold no value.
        """
        from govdata.classify.column import as_text

        if as_text(text) is None:
            return text
        if plan.action == "whole":
            return mask_value(plan.entity, text, self.policy) or text
        spans = self.spans(text, only_identifiers=plan.action == "identifiers")
        return replace_spans(text, spans, self.policy) if spans else text

    def spans(self, text: str, only_identifiers: bool = False) -> list[Span]:
        """Personal-data spans of one cell: a cheap pre-check, then the Presidio recognizers of the registry.

        ``only_identifiers`` keeps the strong, validated identifiers only (for columns that are not free text,
        where a name-like word is much more likely a place or a department than a person).
        """
        from govdata.classify.grading import is_personal
        from govdata.classify.normalize import normalize_text
        from govdata.classify.presidio_engine import analyze_text

        normalized = normalize_text(text).text
        if only_identifiers:
            if not any(m.validated_in(normalized) for m in self.identifiers):
                return []
            wanted = {m.spec.entity for m in self.identifiers}
        elif not self.classifier.free_text.might_hold_pii(normalized):
            return []
        rules = self.classifier.rules
        return [
            (f.start, f.end, f.entity)
            for f in analyze_text(text, self.classifier.registry_path)
            if f.score >= self.threshold
            and is_personal(rules, f.entity)
            and (not only_identifiers or f.entity in wanted)
        ]

    def mask_outside(self, text: str) -> str:
        """A cell outside the records (title, notes, footer such as 填表人：张三): detected spans masked."""
        spans = self.spans(text) if text.strip() else []
        return replace_spans(text, spans, self.policy) if spans else text


def outside_rows(tables: Iterable[FileTable]) -> set[int]:
    """0-based grid rows of a sheet or CSV that are neither a header nor a record: preamble, footer, skipped."""
    rows: set[int] = set()
    for table in tables:
        if table.layout is not None:
            layout = table.layout
            rows.update(r - 1 for r in (*layout.preamble_rows, *layout.footer_rows, *layout.skipped_rows))
    return rows


@dataclass
class ColumnReport:
    """What masking did to one column, for the command's summary."""

    label: str
    plan: ColumnPlan
    cells: int = 0  # cells changed

    def line(self) -> str:
        """One summary line: where, how, how many cells."""
        how = {"whole": f"masked as {self.plan.entity}", "spans": "free text: spans masked"}.get(
            self.plan.action, "kept"
        )
        if self.plan.action == "identifiers" and self.cells:
            how = "kept, validated identifiers masked"
        note = f" ({self.plan.note})" if self.plan.note else ""
        return f"{self.label} {self.plan.name}: {how}, {self.cells} cells changed{note}"
