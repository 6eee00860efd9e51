-- maturity.fix_list (整改清单): per department and period, each concrete defect (table, column, check, bad rows)
-- with the points the total gains once it is fixed — computed by scoring again without it, not estimated —
-- ordered by that gain. Re-scoring a period replaces its rows.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period',
    on_schema_change='append_new_columns') }}

with totals as (
    select * from {{ ref('int_maturity_scored') }}
    where scope = 'total'
),

gains as (
    select
        f.department_code,
        f.fix_key,
        f.resource_code,
        f.table_name,
        f.column_name,
        f.check_name,
        f.bad_row_count,
        f.examples,
        f.indicator_codes,
        s.value - b.value as gain,
        s.level as level_after
    from {{ ref('int_maturity_fixes') }} as f
    inner join totals as s on f.department_code = s.department_code and f.fix_key = s.scenario_id
    inner join totals as b on f.department_code = b.department_code and b.scenario_id = 'base'
)

select
    '{{ var("period") }}'::text as period,
    department_code,
    row_number() over (
        partition by department_code order by gain desc, table_name asc, column_name asc, check_name asc
    ) as priority,
    fix_key,
    resource_code,
    table_name,
    column_name,
    check_name,
    bad_row_count,
    examples,
    indicator_codes,
    round(gain, 2) as gain,
    gain as exact_gain,
    level_after
from gains
where gain > 0
