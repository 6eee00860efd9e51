"""Custom Great Expectations expectations for our identifiers, SQL-only, and the check that a suite's types exist.

``expect_column_values_to_be_valid_cn_resident_id`` (and _uscc, _mobile, _division_code) are column map
expectations whose condition is the rule's PostgreSQL function (``quality.is_cn_resident_id(col)``, see
rules.py): GX counts, and fetches a few examples of, the failing rows in SQL. They have no pandas
implementation on purpose: a table is never pulled into Python.

Importing this module registers them. GX drops an expectation of a type it does not know when it loads a
suite (it logs and carries on); :func:`require_registered` turns that into an error naming the type.
Import this module only inside tasks: it imports GX (seconds).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import sqlalchemy as sa
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from govdata.errors import GovdataError
from govdata.quality.rules import RULES


class UnknownExpectationError(GovdataError):
    """A suite names an expectation type that no imported module registered: GX would skip it silently."""


def _rule_condition(entity: str, column: Any) -> Any:
    schema, name = RULES[entity].function.split(".")
    return getattr(getattr(sa.func, schema), name)(sa.cast(column, sa.Text))


class ColumnValuesValidCnResidentId(ColumnMapMetricProvider):
    """Whether each value is a valid 居民身份证号: ``quality.is_cn_resident_id``."""

    condition_metric_name = "column_values.valid_cn_resident_id"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column: Any, **kwargs: Any) -> Any:
        return _rule_condition("CN_RESIDENT_ID", column)


class ColumnValuesValidCnUscc(ColumnMapMetricProvider):
    """Whether each value is a valid 统一社会信用代码: ``quality.is_cn_uscc``."""

    condition_metric_name = "column_values.valid_cn_uscc"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column: Any, **kwargs: Any) -> Any:
        return _rule_condition("CN_USCC", column)


class ColumnValuesValidCnMobile(ColumnMapMetricProvider):
    """Whether each value is a valid mainland mobile number: ``quality.is_cn_mobile``."""

    condition_metric_name = "column_values.valid_cn_mobile"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column: Any, **kwargs: Any) -> Any:
        return _rule_condition("CN_MOBILE", column)


class ColumnValuesValidCnDivisionCode(ColumnMapMetricProvider):
    """Whether each value is a known 6-digit 行政区划代码: ``quality.is_cn_division_code``."""

    condition_metric_name = "column_values.valid_cn_division_code"

    @column_condition_partial(engine=SqlAlchemyExecutionEngine)
    def _sqlalchemy(cls, column: Any, **kwargs: Any) -> Any:
        return _rule_condition("CN_DIVISION_CODE", column)


class ExpectColumnValuesToBeValidCnResidentId(ColumnMapExpectation):
    """Expect each non-null value to be a valid 居民身份证号 (check character, birth date, region; or 15 digits)."""

    map_metric = "column_values.valid_cn_resident_id"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidCnUscc(ColumnMapExpectation):
    """Expect each non-null value to be a valid 统一社会信用代码 (authority, class, province, check character)."""

    map_metric = "column_values.valid_cn_uscc"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidCnMobile(ColumnMapExpectation):
    """Expect each non-null value to be a mainland mobile number (11 digits in the CN number plan, +86 allowed)."""

    map_metric = "column_values.valid_cn_mobile"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidCnDivisionCode(ColumnMapExpectation):
    """Expect each non-null value to be a 6-digit 行政区划代码 known in any period."""

    map_metric = "column_values.valid_cn_division_code"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


def require_registered(types: Iterable[str], where: str) -> None:
    """Raise UnknownExpectationError naming every type in ``types`` that GX does not know (``where``: the suite)."""
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.registry import get_expectation_impl

    missing = []
    for name in sorted(set(types)):
        try:
            get_expectation_impl(name)
        except ExpectationNotFoundError:
            missing.append(name)
    if missing:
        raise UnknownExpectationError(
            f"{where}: expectation type(s) {', '.join(missing)} not registered; GX would skip them silently. "
            "Import the module that defines them (govdata.quality.expectations) or fix the suite."
        )
