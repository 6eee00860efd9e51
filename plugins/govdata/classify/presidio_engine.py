"""The Presidio analyzer for free text: registry recognizers, a blank Chinese spaCy pipeline, built once and cached.

Imported only when a free-text column is scanned: Presidio, spaCy and jieba take a few seconds to load.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.recognizer_registry import RecognizerRegistry
from spacy.language import Language
from spacy.tokens import Doc

from govdata.classify.addresses import find_addresses
from govdata.classify.names import (
    delimited_name,
    is_name_without_header,
    load_surnames,
    subject_name_pattern,
    trim_name,
)
from govdata.classify.normalize import normalize_text
from govdata.classify.rules import RecognizerSpec, load_registry
from govdata.classify.validators import VALIDATORS

LANGUAGE = "zh"
logger = logging.getLogger(__name__)


@Language.component("govdata_lemma_as_text")
def lemma_as_text(doc: Doc) -> Doc:
    """Give every token its text as lemma: a blank pipeline has empty lemmas, so context words never matched."""
    for token in doc:
        token.lemma_ = token.text
    return doc


class BlankChineseNlpEngine(SpacyNlpEngine):
    """Presidio NLP engine on ``spacy.blank("zh")`` with jieba word segmentation; no model to download."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": "blank:zh"}])

    def load(self) -> None:
        """Build the blank pipeline (jieba segments words, so 身份证 is one token and can be a context word)."""
        import jieba

        jieba.setLogLevel(logging.WARNING)
        nlp = spacy.blank(LANGUAGE, config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        nlp.add_pipe("govdata_lemma_as_text")
        self.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]  # Presidio declares it None until loaded


class ValidatedPatternRecognizer(PatternRecognizer):
    """A registry recognizer: regexes plus an optional named validator (checksum, date, region …)."""

    def __init__(self, spec: RecognizerSpec) -> None:
        self.spec = spec
        self._validator = VALIDATORS[spec.validator] if spec.validator else None
        super().__init__(
            supported_entity=spec.entity,
            name=spec.name,
            supported_language=LANGUAGE,
            patterns=[Pattern(p.name, p.regex, p.score) for p in spec.patterns],
            context=list(spec.context),
            # identifiers are case-sensitive (passport E…, plates): no IGNORECASE
            global_regex_flags=re.DOTALL | re.MULTILINE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """A confirming validator (checksum, number plan) decides; None keeps the pattern's score."""
        if self._validator is None or not self.spec.confirms_in_text:
            return None
        return self._validator(pattern_text)

    def invalidate_result(self, pattern_text: str) -> bool | None:
        """Other validators (Luhn, passport, IP) only drop impossible values; context must lift the score."""
        if self._validator is None or self.spec.confirms_in_text:
            return None
        return not self._validator(pattern_text)


class ChineseNameRecognizer(EntityRecognizer):
    """Names in running text: after a context word (联系人：张三), before an honorific (李女士) or a reporting verb."""

    name: str

    def __init__(self, spec: RecognizerSpec) -> None:
        self.spec = spec
        self.surnames = load_surnames(tuple(spec.names.extra_surnames))
        words = sorted(spec.context, key=len, reverse=True)
        self._after_context = re.compile(
            r"(?:" + "|".join(map(re.escape, words)) + r")(?:姓名)?\s*(?:[:：是为]|\s)?\s*(?=[\u3400-\u9fff])"
        )
        singles = "".join(sorted(self.surnames.single))
        compounds = "|".join(sorted(self.surnames.compound))
        self._honorific = re.compile(rf"(?:{compounds}|[{singles}])(?:先生|女士|小姐|老师|师傅|阿姨|大爷)")
        self._before_verb = re.compile(
            rf"(?<![\u3400-\u9fff])(?:{compounds}|[{singles}])[\u3400-\u9fff]{{1,2}}"
            r"(?=来电|来访|反映|投诉|咨询|称|表示|同志|本人|签收|代办)"
        )
        self._subject = subject_name_pattern(self.surnames)
        self._not_names = frozenset(spec.names.not_names)
        super().__init__(
            supported_entities=[spec.entity],
            name=spec.name,
            supported_language=LANGUAGE,
            context=list(spec.context),
        )

    def load(self) -> None:  # noqa: D102 - nothing to load
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list:
        """Find names; after a context word 0.85, honorific or reporting verb 0.6, clause subject 0.55."""
        results = []
        for match in self._after_context.finditer(text):
            name = trim_name(text[match.end() : match.end() + 4], self.surnames)
            if name:
                results.append(self._result(match.end(), match.end() + len(name), 0.85, "after context word"))
            elif name := delimited_name(text[match.end() : match.end() + 5], self._not_names):
                results.append(self._result(match.end(), match.end() + len(name), 0.7, "after context word, closed"))
        for pattern, score, why in ((self._honorific, 0.6, "honorific"), (self._before_verb, 0.6, "reporting verb")):
            for match in pattern.finditer(text):
                results.append(self._result(match.start(), match.end(), score, why))
        for match in self._subject.finditer(text):
            # no cue word: only a value that passes the no-header name test (not a place, not a dictionary word)
            if is_name_without_header(match.group(), self.surnames, self._not_names):
                results.append(self._result(match.start(), match.end(), 0.55, "clause subject"))
        return EntityRecognizer.remove_duplicates(results)

    def _result(self, start: int, end: int, score: float, why: str) -> RecognizerResult:
        explanation = self.build_explanation(score, why)
        return RecognizerResult(
            self.spec.entity,
            start,
            end,
            score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: why == "after context word",
            },
        )

    def build_explanation(self, score: float, why: str):
        """Presidio explanation naming the rule that fired."""
        from presidio_analyzer import AnalysisExplanation

        return AnalysisExplanation(recognizer=self.name, original_score=score, textual_explanation=why)


class ChineseAddressRecognizer(EntityRecognizer):
    """Addresses in running text, from the administrative-division parser."""

    name: str

    def __init__(self, spec: RecognizerSpec) -> None:
        self.spec = spec
        super().__init__(
            supported_entities=[spec.entity],
            name=spec.name,
            supported_language=LANGUAGE,
            context=list(spec.context),
        )

    def load(self) -> None:  # noqa: D102 - nothing to load
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list:
        """Address spans reaching street level score 0.75."""
        from presidio_analyzer import AnalysisExplanation

        return [
            RecognizerResult(
                self.spec.entity,
                start,
                end,
                0.75,
                analysis_explanation=AnalysisExplanation(self.name, 0.75, textual_explanation="division parse"),
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end in find_addresses(text)
        ]


def build_recognizer(spec: RecognizerSpec) -> EntityRecognizer:
    """The Presidio recognizer for one registry entry."""
    if spec.recognizer == "chinese_name":
        return ChineseNameRecognizer(spec)
    if spec.recognizer == "chinese_address":
        return ChineseAddressRecognizer(spec)
    return ValidatedPatternRecognizer(spec)


@lru_cache(maxsize=4)
def get_analyzer(registry_path: Path | None = None) -> AnalyzerEngine:
    """The analyzer with every registry recognizer, on the blank Chinese pipeline (built once per registry)."""
    # Presidio logs "Fetching all recognizers" at INFO on every analyze call: 85,000 lines and ~40 s of
    # Airflow's task logging for one publication of the demo. Its warnings still come through.
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    spec = load_registry(registry_path)
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for entry in spec.recognizers:
        registry.add_recognizer(build_recognizer(entry))
    return AnalyzerEngine(registry=registry, nlp_engine=BlankChineseNlpEngine(), supported_languages=[LANGUAGE])


@dataclass(frozen=True)
class Finding:
    """An entity found in a text, with its span in the ORIGINAL (un-normalised) text."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


def analyze_text(text: str, registry_path: Path | None = None, score_threshold: float = 0.0) -> list[Finding]:
    """Findings in one free text: normalised first (全角, 138 1234 5678), spans mapped back to the original."""
    normalized = normalize_text(text)
    results = get_analyzer(registry_path).analyze(normalized.text, language=LANGUAGE, score_threshold=score_threshold)
    findings = []
    for result in results:
        start, end = normalized.to_original(result.start, result.end)
        recognizer = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "")
        findings.append(Finding(result.entity_type, start, end, round(result.score, 3), recognizer))
    return sorted(findings, key=lambda f: (f.start, -f.score))
