"""Great Expectations Data Docs of each check, built from masked copies of the results.

GX keeps the failing values in a validation result (``partial_unexpected_list``, the index list with the row
keys, the unexpected rows of a query) and Data Docs render them: raw personal data in HTML. The results store
is in memory (expectations/great_expectations.yml); after a department's validations, a copy of each result that
keeps only counts and the failing values masked with the ``evidence`` policy — the same masking as the stored
examples — goes to the ``masked_validation_results_store`` on disk, and the site is built from that store. What is kept
is a whitelist: a key GX adds in a later version is dropped, not shown.

The site is ``expectations/uncommitted/data_docs/local_site/``; the Airflow UI links it (ui_timezone.py's
plugin serves it under ``/govdata/quality/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from govdata import config
from govdata.mask.values import mask_value
from govdata.quality import results

if TYPE_CHECKING:
    from govdata.quality.suites import ResourceState

SITE = "local_site"
#: the store of the masked copies (expectations/great_expectations.yml), the site's source of validation pages
MASKED_STORE = "masked_validation_results_store"
#: the numbers of a result that Data Docs may show as they are
COUNTS = (
    "element_count", "unexpected_count", "unexpected_percent", "missing_count", "missing_percent",
    "unexpected_percent_total", "unexpected_percent_nonmissing",
)  # fmt: skip


def site_dir(root: Path) -> Path:
    """The built site of the context at ``root`` (index.html at its top)."""
    return root / "uncommitted" / "data_docs" / SITE


def _masked(value: Any, entity: str | None, policy: config.MaskPolicy) -> Any:
    if value is None:
        return None
    text = "+".join(map(str, value.values())) if isinstance(value, dict) else str(value)
    return mask_value(entity or "", text, policy)


def masked_result(result: dict[str, Any], entity: str | None, policy: config.MaskPolicy) -> dict[str, Any]:
    """What Data Docs may show of one expectation's result: counts, a numeric observed value, masked values."""
    out = {key: result[key] for key in COUNTS if key in result}
    observed = result.get("observed_value")
    if isinstance(observed, int | float) and not isinstance(observed, bool):
        out["observed_value"] = observed
    if "partial_unexpected_list" in result:
        out["partial_unexpected_list"] = [_masked(v, entity, policy) for v in result["partial_unexpected_list"] or []]
    counts = result.get("partial_unexpected_counts") or []
    if counts and all(isinstance(c, dict) and "value" in c for c in counts):
        merged: dict[Any, int] = {}
        for c in counts:  # two raw values may mask alike: their counts add up
            masked = _masked(c["value"], entity, policy)
            merged[masked] = merged.get(masked, 0) + int(c.get("count") or 0)
        out["partial_unexpected_counts"] = [{"value": v, "count": n} for v, n in merged.items()]
    return out


def build_site(
    context: Any, resources: dict[str, ResourceState], validations: dict[str, Any], policy: config.MaskPolicy
) -> Path:
    """Store a masked copy of each of this check's ``validations`` (by suite name), then build their pages.

    The keys are those of the context's (in-memory) results store, where each validation definition's run put
    its result; ``resources`` maps a suite name to its resource (the columns' entities). The masked copies are
    kept on disk (``masked_validation_results_store``), so the index lists every department's checks, not only
    this one's. Returns the site's index.html.
    """
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    raw, masked = context.validation_results_store, context.stores[MASKED_STORE]
    keys = [k for k in raw.list_keys() if k.expectation_suite_identifier.name in validations]
    for key in keys:
        validation = validations[key.expectation_suite_identifier.name]  # masked in place: read last, here
        resource = resources.get(validation.suite_name)
        for result in validation.results:
            outcome = results.outcome_of(result)
            entity = results.entity_of(outcome, resource) if resource else None
            result.result = masked_result(dict(result.result or {}), entity, policy)
        masked.set(key, validation)
    suites = [ExpectationSuiteIdentifier(name=name) for name in resources]
    context.build_data_docs(site_names=[SITE], resource_identifiers=[*keys, *suites])
    return site_dir(Path(context.root_directory)) / "index.html"
