-- What each indicator's evidence adds up to, as it is (scenario 'base') and with each defect fixed (scenario =
-- its fix_key: that defect's failed count removed from every indicator it fails). Every department of the
-- config has every indicator; one without evidence has checked_count 0 (无证据).
with evidence as (
    select * from {{ ref('int_maturity_evidence') }}
),

departments as (
    select department_code from {{ ref('stg_catalog_config__departments') }}
    where is_configured
),

indicators as (
    select indicator_code from {{ ref('stg_maturity__pdmm_indicators') }}
),

base as (
    select
        d.department_code,
        i.indicator_code,
        coalesce(sum(e.checked_count), 0)::numeric(20, 4) as checked_count,
        coalesce(sum(e.failed_count), 0)::numeric(20, 4) as failed_count,
        count(e.indicator_code) as evidence_count
    from departments as d
    cross join indicators as i
    left join evidence as e on d.department_code = e.department_code and i.indicator_code = e.indicator_code
    group by d.department_code, i.indicator_code
),

fixed as (
    select
        department_code,
        fix_key,
        indicator_code,
        sum(failed_count) as failed_count
    from evidence
    where fix_key is not null
    group by department_code, fix_key, indicator_code
),

fixes as (
    select distinct
        department_code,
        fix_key
    from fixed
)

select
    department_code,
    'base' as scenario_id,
    indicator_code,
    checked_count,
    failed_count,
    evidence_count
from base
union all
select
    b.department_code,
    f.fix_key as scenario_id,
    b.indicator_code,
    b.checked_count,
    (b.failed_count - coalesce(x.failed_count, 0))::numeric(20, 4) as failed_count,
    b.evidence_count
from fixes as f
inner join base as b on f.department_code = b.department_code
left join fixed as x
    on f.department_code = x.department_code and f.fix_key = x.fix_key and b.indicator_code = x.indicator_code
