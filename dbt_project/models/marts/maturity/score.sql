-- maturity.score: one row per department, period and indicator / dimension / total, with the weight it counted
-- for, the level (total), the rank among departments (total) and the evidence behind it. Re-scoring a period
-- replaces that period's rows; earlier periods stay and give the trends.
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='period',
    on_schema_change='append_new_columns') }}

with scored as (
    select * from {{ ref('int_maturity_scored') }}
    where scenario_id = 'base'
),

indicators as (
    select * from {{ ref('stg_maturity__pdmm_indicators') }}
),

dimensions as (
    select distinct
        dimension_code,
        dimension_name,
        dimension_weight,
        dimension_order
    from indicators
),

levels as (
    select * from {{ ref('stg_maturity__pdmm_levels') }}
)

select
    '{{ var("period") }}'::text as period,
    s.department_code,
    dep.department_name,
    s.scope,
    s.dimension_code,
    dim.dimension_name,
    s.code,
    case s.scope when 'indicator' then ind.indicator_name when 'dimension' then dim.dimension_name else '总分' end
        as name,
    coalesce(ind.indicator_order + 10 * dim.dimension_order, 10 * dim.dimension_order, 0) as sort_order,
    round(s.value, 2) as value,
    s.value as exact_value,
    case s.scope when 'indicator' then ind.indicator_weight when 'dimension' then dim.dimension_weight end
        as configured_weight,
    round(s.effective_weight, 4) as effective_weight,
    s.level,
    lv.level_name,
    s.band_level,
    case
        when s.scope = 'total' and s.value is not null
            then rank() over (partition by s.scope, (s.value is null) order by round(s.value, 2) desc)
    end as rank,
    s.evidence_count,
    s.checked_count,
    s.failed_count,
    case when s.value is null then '无证据' else '已评分' end as status
from scored as s
inner join {{ ref('stg_catalog_config__departments') }} as dep on s.department_code = dep.department_code
left join indicators as ind on s.scope = 'indicator' and s.code = ind.indicator_code
left join dimensions as dim on s.dimension_code = dim.dimension_code
left join levels as lv on s.level = lv.level
