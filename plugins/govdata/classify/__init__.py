"""Field classification and grading (分类分级): recognizers, column classifier, table grade, CLI.

The public API is light to import; Presidio, spaCy and jieba load only when free text is scanned::

    from govdata.classify import classify_column, grade_table, recognizer_version

    result = classify_column("lxdh", sampled_values, comment="联系电话", data_type="varchar(20)")
    table = grade_table(results, row_count=rows)
"""

from __future__ import annotations

from govdata.classify.column import (
    ColumnClassification,
    ColumnClassifier,
    TableClassification,
    classify_column,
    get_classifier,
    grade_table,
    sample_values,
)
from govdata.classify.rules import OUTPUT_ENTITIES, recognizer_version, rules_version

__all__ = [
    "OUTPUT_ENTITIES",
    "ColumnClassification",
    "ColumnClassifier",
    "TableClassification",
    "classify_column",
    "get_classifier",
    "grade_table",
    "recognizer_version",
    "rules_version",
    "sample_values",
]
