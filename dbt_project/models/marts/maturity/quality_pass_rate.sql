-- 数据质量通过率: per department, quality dimension and check run, the checks run and passed, the pass rate and
-- its change since the department's previous run (the trend the maturity reports show).
with runs as (
    select
        department_code,
        dimension,
        run_id,
        min(checked_at) as checked_at,
        count(*) as checks,
        count(*) filter (where success) as passed,
        count(*) filter (where not success and severity = 'critical') as failed_critical,
        sum(element_count) as elements,
        sum(unexpected_count) as unexpected
    from {{ ref('stg_maturity__quality_results') }}
    where error is null and dimension is not null
    group by department_code, dimension, run_id
)

select
    department_code,
    dimension,
    run_id,
    checked_at,
    checks,
    passed,
    failed_critical,
    elements,
    unexpected,
    round(100.0 * passed / checks, 2) as pass_rate,
    round(100.0 * passed / checks, 2) - lag(round(100.0 * passed / checks, 2)) over (
        partition by department_code, dimension order by checked_at, run_id
    ) as pass_rate_change
from runs
