-- 信息资源代码 registry: a code is given once, the first time a resource is catalogued, and kept
-- for ever (withdrawn resources keep theirs; codes are never reused). full_refresh=false protects
-- it from `dbt run --full-refresh`.
{{ config(materialized='incremental', unique_key=['department_code', 'source_name'], full_refresh=false) }}

with

candidates as (
    select
        h.department_code,
        h.source_name,
        c.class_code,
        h.first_seen_at
    from {{ ref('int_resources_harvested') }} as h
    inner join {{ ref('int_resources_classified') }} as c
        on h.department_code = c.department_code and h.source_name = c.source_name
),

new_resources as (
    -- c is used by the incremental filter only
    select * from candidates as c  -- noqa: AL05
    {% if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as r
            where r.department_code = c.department_code and r.source_name = c.source_name
        )
    {% endif %}
),

taken as (
    {% if is_incremental() %}
        select
            class_code,
            max(sequence_number) as max_sequence
        from {{ this }}
        group by class_code
    {% else %}
        select
            null::text as class_code,
            0 as max_sequence
        where false
    {% endif %}
),

numbered as (
    select
        n.department_code,
        n.source_name,
        n.class_code,
        n.first_seen_at as catalogued_at,
        coalesce(t.max_sequence, 0)
        + row_number() over (
            partition by n.class_code order by n.first_seen_at asc, n.department_code asc, n.source_name asc
        ) as sequence_number
    from new_resources as n
    left join taken as t on n.class_code = t.class_code
)

select
    department_code,
    source_name,
    class_code,
    sequence_number,
    class_code || '/' || lpad(sequence_number::text, 6, '0') as resource_code,
    catalogued_at
from numbered
