-- depends_on: {{ ref('source_comparison') }}
-- 一数一源 candidates, raw values included: a view over the departments' raw tables in the restricted
-- schema catalog_restricted, read only by catalog/conflicts.py, which pseudonymises and masks every
-- key and value before anything is written to catalog.source_conflict. Rebuilt with the comparisons.
{{ source_conflict_candidates(ref('source_comparison')) }}
