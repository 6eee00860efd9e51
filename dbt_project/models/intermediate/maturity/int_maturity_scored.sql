-- PDMM scores of every scenario: indicator → dimension (weighted mean of the indicators with evidence) → total
-- (weighted mean of the dimensions with evidence) → level (band of the total, capped at one above the weakest
-- dimension's band, and at leak_max_level after any leak-guard finding). An indicator without evidence has no
-- value and no weight: its weight goes to the others, it is never scored 0 or 100.
-- One row per department, scenario and scope (indicator / dimension / total).
with settings as (
    select * from {{ ref('stg_maturity__pdmm_settings') }}
),

levels as (
    select * from {{ ref('stg_maturity__pdmm_levels') }}
),

indicator_values as (
    select
        s.department_code,
        s.scenario_id,
        i.dimension_code,
        i.dimension_weight,
        i.indicator_code,
        i.indicator_weight,
        i.method,
        i.zeroes_dimension,
        s.checked_count,
        s.failed_count,
        s.evidence_count,
        case
            when s.checked_count <= 0 then null
            when i.method = 'ratio' then 100 * (s.checked_count - s.failed_count) / s.checked_count
            when i.method = 'penalty' then greatest(0, 100 - i.penalty * s.failed_count * 10000 / s.checked_count)
            when i.method = 'any_finding' then case when s.failed_count > 0 then 0 else 100 end
        end as value
    from {{ ref('int_maturity_scenarios') }} as s
    inner join {{ ref('stg_maturity__pdmm_indicators') }} as i on s.indicator_code = i.indicator_code
),

dimension_values as (
    select
        department_code,
        scenario_id,
        dimension_code,
        max(dimension_weight) as dimension_weight,
        bool_or(method = 'any_finding' and failed_count > 0) as has_finding,
        case
            when bool_or(zeroes_dimension and failed_count > 0) then 0
            else sum(indicator_weight * value) / nullif(sum(indicator_weight) filter (where value is not null), 0)
        end as value,
        sum(indicator_weight) filter (where value is not null) as weight_with_evidence,
        sum(evidence_count) as evidence_count
    from indicator_values
    group by department_code, scenario_id, dimension_code
),

totals as (
    select
        department_code,
        scenario_id,
        sum(dimension_weight * value) / nullif(sum(dimension_weight) filter (where value is not null), 0) as value,
        sum(dimension_weight) filter (where value is not null) as weight_with_evidence,
        min(value) as weakest_value,
        bool_or(has_finding) as has_finding,
        sum(evidence_count) as evidence_count
    from dimension_values
    group by department_code, scenario_id
),

total_levels as (
    select
        t.*,
        (
            select max(l.level) from levels as l
            where l.min_score <= t.value
        ) as band_level,
        (
            select max(l.level) from levels as l
            where l.min_score <= t.weakest_value
        ) as weakest_level
    from totals as t
),

capped as (
    select
        t.*,
        least(
            t.band_level,
            t.weakest_level + s.above_weakest_dimension,
            case when t.has_finding then s.leak_max_level end
        ) as level
    from total_levels as t
    cross join settings as s
)

select
    i.department_code,
    i.scenario_id,
    'indicator' as scope,
    i.dimension_code,
    i.indicator_code as code,
    i.value::numeric(12, 6) as value,
    -- the indicator's share of the total after redistribution (0 without evidence)
    case
        when i.value is not null and d.value is not null
            then i.indicator_weight / d.weight_with_evidence * d.dimension_weight / t.weight_with_evidence
        else 0
    end::numeric(12, 6) as effective_weight,
    i.checked_count,
    i.failed_count,
    i.evidence_count,
    null::integer as band_level,
    null::integer as level
from indicator_values as i
inner join dimension_values as d
    on i.department_code = d.department_code and i.scenario_id = d.scenario_id and i.dimension_code = d.dimension_code
inner join capped as t on i.department_code = t.department_code and i.scenario_id = t.scenario_id
union all
select
    d.department_code,
    d.scenario_id,
    'dimension' as scope,
    d.dimension_code,
    d.dimension_code as code,
    d.value::numeric(12, 6) as value,
    (case when d.value is not null then d.dimension_weight / t.weight_with_evidence else 0 end)::numeric(12, 6)
        as effective_weight,
    null::numeric as checked_count,
    null::numeric as failed_count,
    d.evidence_count,
    (
        select max(l.level) from levels as l
        where l.min_score <= d.value
    ) as band_level,
    null::integer as level
from dimension_values as d
inner join capped as t on d.department_code = t.department_code and d.scenario_id = t.scenario_id
union all
select
    department_code,
    scenario_id,
    'total' as scope,
    null::text as dimension_code,
    'total' as code,
    value::numeric(12, 6) as value,
    1::numeric(12, 6) as effective_weight,
    null::numeric as checked_count,
    null::numeric as failed_count,
    evidence_count,
    band_level,
    level
from capped
