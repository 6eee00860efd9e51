"""The baseline: plain Presidio, per-cell analysis with its predefined recognizers, aggregated per column."""

from __future__ import annotations

from collections import Counter

from .generators import BenchColumn

BASELINE_MAP = {
    "PHONE_NUMBER": ("CN_MOBILE", "CN_LANDLINE"),
    "CREDIT_CARD": ("CN_BANK_CARD",),
    "EMAIL_ADDRESS": ("EMAIL_ADDRESS",),
    "IP_ADDRESS": ("IP_ADDRESS",),
    "US_PASSPORT": ("CN_PASSPORT",),
    "PERSON": ("PERSON",),
    "LOCATION": ("ADDRESS",),
}


def build_baseline():
    """Plain Presidio: predefined recognizers, NoOp NLP engine (no model can be downloaded)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "noop"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def classify_baseline(analyzer, cols: list[BenchColumn], threshold: float = 0.5) -> list[tuple[str, str]]:
    """Per-cell Presidio analysis, aggregated per column.

    Presidio's types are mapped to ours (unmapped ones such as URL are ignored); the column takes the mapped
    entity found in most cells (≥ 50 % of non-empty cells), FREE_TEXT_WITH_PII when some but fewer cells hold
    one. PHONE_NUMBER is credited as CN_MOBILE or CN_LANDLINE, whichever the label is (lenient to the baseline).
    """
    out = []
    for col in cols:
        cells = [v for v in col.values if v]
        per_cell: Counter[str] = Counter()
        cells_with_any = 0
        for text in cells:
            found = {r.entity_type for r in analyzer.analyze(text, language="en", score_threshold=threshold)}
            # only types that mean something in our vocabulary count (URL, US_DRIVER_LICENSE … are ignored)
            mapped = {BASELINE_MAP[e][0] for e in found if e in BASELINE_MAP}
            if mapped:
                cells_with_any += 1
            per_cell.update(mapped)
        entity = "NONE"
        if per_cell:
            top, count = per_cell.most_common(1)[0]
            if count >= 0.5 * len(cells):
                phone = BASELINE_MAP["PHONE_NUMBER"]
                entity = col.entity if top == phone[0] and col.entity in phone else top
            elif cells_with_any:
                entity = "FREE_TEXT_WITH_PII"
        out.append((entity, ""))
    return out
