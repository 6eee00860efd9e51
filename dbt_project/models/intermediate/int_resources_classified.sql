-- Place each resource in a 类/项/目 class: staff override, else the first keyword rule (by
-- priority) matching its name, Chinese name or file name, else the department's default class.
with

resources as (
    select
        h.department_code,
        h.source_name,
        lower(concat_ws(' ', h.source_name, h.table_comment, h.file_name, s.title)) as match_text
    from {{ ref('int_resources_harvested') }} as h
    left join {{ ref('stg_catalog_config__table_specs') }} as s
        on h.department_code = s.department_code and h.source_name = s.table_name
),

rule_matches as (
    select distinct on (r.department_code, r.source_name)
        r.department_code,
        r.source_name,
        k.rule_id,
        k.class_code,
        k.resource_type
    from resources as r
    inner join {{ ref('stg_catalog_config__rule_keywords') }} as k
        on position(lower(k.keyword) in r.match_text) > 0
    order by r.department_code asc, r.source_name asc, k.priority asc, k.rule_id asc
),

fallback as (
    select value as class_code from {{ ref('stg_catalog_config__settings') }}
    where name = 'fallback_class'
)

select
    r.department_code,
    r.source_name,
    coalesce(o.class_code, m.class_code, d.class_code, f.class_code) as class_code,
    coalesce(o.resource_type, m.resource_type, '部门') as resource_type,
    case
        when o.class_code is not null then '人工指定'
        when m.rule_id is not null then m.rule_id
        when d.class_code is not null then '部门默认'
        else '兜底分类'
    end as classification_rule
from resources as r
left join rule_matches as m on r.department_code = m.department_code and r.source_name = m.source_name
left join {{ ref('stg_catalog_config__overrides') }} as o
    on r.department_code = o.department_code and r.source_name = o.table_name
left join {{ ref('stg_catalog_config__department_defaults') }} as d on r.department_code = d.department_code
cross join fallback as f
