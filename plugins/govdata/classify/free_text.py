"""Free text: whether a column reads as running text, and Presidio over the cells that may hold personal data.

Evidence is the maximum over the sample, not the average: two phone numbers in a hundred remarks make
the remarks column personal data. Presidio (≈1 ms a cell) only sees the cells a cheap pre-check lets through.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govdata import config
from govdata.classify.grading import is_personal
from govdata.classify.names import Surnames, subject_name_pattern
from govdata.classify.normalize import normalize_text
from govdata.classify.rules import ClassificationRules, RecognizerSpec
from govdata.classify.structured import Matcher
from govdata.mask.text import mask_free_text

_SENTENCE = re.compile(r"[，。；！？、,;!?：:\s]")

#: Words around a name in running text besides the recognizers' context words.
_CUE_WORDS = ("先生", "女士", "小姐", "老师", "师傅", "来电", "来访", "反映", "投诉", "咨询", "同志", "本人")


def looks_free_text(texts: list[str], min_length: float) -> bool:
    """Long values, or values of some length that read as sentences."""
    mean_length = sum(len(t) for t in texts) / len(texts)
    if mean_length < min_length:
        return False
    sentence_like = sum(1 for t in texts if _SENTENCE.search(t)) / len(texts)
    return sentence_like >= 0.3 or mean_length >= 2 * min_length


def free_text_cues(specs: Sequence[RecognizerSpec | None], surnames: Surnames) -> re.Pattern[str]:
    """Names and addresses in running text need a cue: a context word, an honorific, a street or number."""
    words: set[str] = set()
    for spec in specs:
        if spec is not None:
            words.update(spec.context)
    words.update(_CUE_WORDS)
    alternatives = [
        r"[路街巷弄]",
        r"村\d",
        r"\d+(?:号|栋|幢|室|组)",
        *map(re.escape, sorted(words, key=len, reverse=True)),
    ]
    return re.compile("|".join(alternatives) + "|" + subject_name_pattern(surnames).pattern)


class FreeTextScanner:
    """Presidio over a free-text column's cells, behind a cheap pre-check."""

    def __init__(
        self,
        matchers: list[Matcher],
        cues: re.Pattern[str],
        rules: ClassificationRules,
        registry_path: Path | None,
        masking: config.MaskPolicy,
    ) -> None:
        self.matchers = matchers
        self.cues = cues
        self.rules = rules
        self.registry_path = registry_path
        self.masking = masking

    def might_hold_pii(self, text: str) -> bool:
        """Cheap pre-check of one cell: a validated identifier candidate or a name/address cue.

        Cells that fail it cannot produce a finding.
        """
        return bool(self.cues.search(text)) or any(m.validated_in(text) for m in self.matchers)

    def scan(self, texts: list[str], evidence: dict[str, Any]) -> float | None:
        """The confidence that the cells hold personal data, or None; records what was found in ``evidence``."""
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
                if f.score >= threshold and is_personal(self.rules, f.entity)
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
