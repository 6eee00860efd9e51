-- maturity.evidence: every indicator's evidence rows per department and period (tables, columns, checks,
-- counts), so a number in a report traces to what is behind it. Re-scoring a period replaces its rows.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period',
    on_schema_change='append_new_columns') }}

select
    '{{ var("period") }}'::text as period,
    department_code,
    indicator_code,
    evidence_table,
    resource_code,
    table_name,
    column_name,
    check_name,
    checked_count,
    failed_count,
    bad_row_count,
    fix_key,
    examples
from {{ ref('int_maturity_evidence') }}
