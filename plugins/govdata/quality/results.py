"""GX validation results as governance.quality_result rows: counts, observed values, masked examples, errors.

The only place failing values are handled: GX returns up to ``examples`` of them per expectation
(``partial_unexpected_list``); each is masked here with the ``evidence`` policy of config/masking.yaml by the
entity of its column before anything is stored. A column without a personal entity gets the policy's
fallback, which stars the value whole: the evidence policy keeps no raw value at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from govdata import config
from govdata.mask.values import mask_value
from govdata.quality.suites import ResourceState, is_generated_unchanged

#: columns of governance.quality_result written per row, in this order
COLUMNS = (
    "run_id", "department_code", "resource_code", "source_name", "suite_name", "expectation_key",
    "expectation_type", "column_name", "dimension", "severity", "is_generated", "success", "element_count",
    "unexpected_count", "unexpected_percent", "observed_value", "examples", "error",
)  # fmt: skip
_ERROR_CHARS = 500


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result, read off GX's objects into plain values."""

    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    severity: str
    gx_id: str | None
    success: bool
    result: dict[str, Any]
    error: str | None
    description: str | None = None


def outcome_of(validation_result: Any) -> ExpectationOutcome:
    """An ExpectationValidationResult of GX 1.x as an :class:`ExpectationOutcome`."""
    cfg = validation_result.expectation_config
    severity = getattr(cfg, "severity", "critical")
    return ExpectationOutcome(
        type=cfg.type,
        kwargs=dict(cfg.kwargs),
        meta=dict(cfg.meta or {}),
        severity=str(getattr(severity, "value", severity)),
        gx_id=cfg.id,
        success=bool(validation_result.success),
        result=dict(validation_result.result or {}),
        error=_error_message(validation_result.exception_info),
        description=getattr(cfg, "description", None),
    )


def _error_message(info: Any) -> str | None:
    """GX's exception_info is either one {raised_exception, exception_message} or a dict of them by metric."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [str(e.get("exception_message")) for e in entries if isinstance(e, dict) and e.get("raised_exception")]
    return "; ".join(messages)[:_ERROR_CHARS] or None


def column_of(outcome: ExpectationOutcome) -> str | None:
    """The column an expectation checks (key columns joined by +), or the one its query compares, if any."""
    if "column" in outcome.kwargs:
        return str(outcome.kwargs["column"])
    if "column_list" in outcome.kwargs:
        return "+".join(map(str, outcome.kwargs["column_list"]))
    column = (outcome.meta.get("govdata") or {}).get("column")  # a query's column (consistency), from the generator
    return str(column) if column else None


def entity_of(outcome: ExpectationOutcome, resource: ResourceState) -> str | None:
    """The personal entity of the values an expectation checks (its meta's, else its column's), if any."""
    govdata = outcome.meta.get("govdata") or {}
    if govdata.get("entity"):
        return str(govdata["entity"])
    column = outcome.kwargs.get("column")
    by_name = {c.name: c.entity for c in resource.columns}
    return by_name.get(column) if isinstance(column, str) else None


def masked_examples(values: list[Any], entity: str | None, limit: int, policy: config.MaskPolicy) -> list[str]:
    """Up to ``limit`` distinct failing values, masked by ``entity`` (None: the policy's fallback)."""
    out: list[str] = []
    for value in values:
        if value is None:
            continue
        text = "+".join(map(str, value.values())) if isinstance(value, dict) else str(value)
        masked = mask_value(entity or "", text, policy)
        if masked is not None and masked not in out:
            out.append(masked)
        if len(out) >= limit:
            break
    return out


def _observed(outcome: ExpectationOutcome) -> str | None:
    # only numbers (a count of rows, a fraction): an observed value of another kind may be a raw value
    observed = outcome.result.get("observed_value")
    return json.dumps(observed) if isinstance(observed, int | float) and not isinstance(observed, bool) else None


def suite_rows(
    run_id: str,
    suite_name: str,
    resource: ResourceState,
    outcomes: list[ExpectationOutcome],
    limit: int,
    policy: config.MaskPolicy,
    stored: dict[str, Any],
) -> list[tuple[Any, ...]]:
    """The rows of one suite's results; ``stored`` is the suite as stored. Keys are made unique in the suite.

    Two expectations can share a ``meta.govdata.key`` when staff copy a generated one; the second is then
    keyed by its GX id as well, so the run's rows never collide.
    """
    by_id = {e.get("id"): e for e in stored.get("expectations") or []}
    key_at = COLUMNS.index("expectation_key")
    rows, seen = [], set()
    for outcome in outcomes:
        row = result_row(run_id, suite_name, resource, outcome, limit, policy, by_id.get(outcome.gx_id))
        if row[key_at] in seen:
            row = row[:key_at] + (f"{row[key_at]}#{outcome.gx_id}",) + row[key_at + 1 :]
        seen.add(row[key_at])
        rows.append(row)
    return rows


def result_row(
    run_id: str,
    suite_name: str,
    resource: ResourceState,
    outcome: ExpectationOutcome,
    limit: int,
    policy: config.MaskPolicy,
    stored: dict[str, Any] | None,
) -> tuple[Any, ...]:
    """One governance.quality_result row (values in :data:`COLUMNS` order).

    ``stored`` is the expectation as the suite file holds it (found by its GX id): whether it is still what
    the generator wrote is judged on that, because GX's runtime kwargs hold resolved parameters and parsed
    dates instead of what was written.
    """
    govdata = outcome.meta.get("govdata") or {}
    key = str(govdata.get("key") or outcome.gx_id or f"{outcome.type}:{column_of(outcome)}")
    unexpected = outcome.result.get("unexpected_count")
    if unexpected is None and outcome.type == "unexpected_rows_expectation":
        unexpected = outcome.result.get("observed_value")
    examples = (
        masked_examples(
            list(outcome.result.get("partial_unexpected_list") or []), entity_of(outcome, resource), limit, policy
        )
        if not outcome.success
        else []
    )
    return (
        run_id,
        resource.department_code,
        resource.resource_code,
        resource.source_name,
        suite_name,
        key,
        outcome.type,
        column_of(outcome),
        govdata.get("dimension"),
        outcome.severity,
        stored is not None and is_generated_unchanged(stored),
        outcome.success and outcome.error is None,
        outcome.result.get("element_count"),
        unexpected,
        outcome.result.get("unexpected_percent"),
        _observed(outcome),
        examples,
        outcome.error,
    )
