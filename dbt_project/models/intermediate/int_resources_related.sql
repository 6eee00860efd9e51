-- 关联资源代码: a resource holding a shared key (身份证号, 统一社会信用代码) is related to the
-- resources that departments declare as the authoritative source of data keyed by it.
with

key_holders as (
    select distinct
        department_code,
        source_name,
        data_item as key_item
    from {{ ref('int_items_data_items') }}
    where key_type is not null
),

declared_tables as (
    select distinct
        department_code,
        table_name as source_name
    from {{ ref('stg_catalog_config__duty_items') }}
    where table_name is not null
),

authoritative as (
    select k.*
    from key_holders as k
    inner join declared_tables as d on k.department_code = d.department_code and k.source_name = d.source_name
)

select distinct
    h.department_code,
    h.source_name,
    r.resource_code as related_code
from key_holders as h
inner join authoritative as a
    on
        h.key_item = a.key_item
        and (h.department_code, h.source_name) <> (a.department_code, a.source_name)
inner join {{ ref('resource_code_registry') }} as r
    on a.department_code = r.department_code and a.source_name = r.source_name
