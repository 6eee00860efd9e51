-- 信息项: one row per column of a current resource, with its Chinese name (or 待补充), data type,
-- the data item it stands for and, once graded, its classification.
select
    r.resource_code,
    i.department_code,
    i.source_name,
    i.column_name,
    i.ordinal_position,
    i.item_name,
    i.name_source,
    i.name_source = 'missing' as is_name_missing,
    i.data_type,
    i.is_primary_key,
    i.is_nullable,
    d.data_item,
    coalesce(g.entity, '待分级') as entity,
    g.category,
    coalesce(g.grade, '待分级') as grade,
    coalesce(g.is_reviewed, false) as is_reviewed
from {{ ref('int_items_named') }} as i
inner join {{ ref('resource_code_registry') }} as r
    on i.department_code = r.department_code and i.source_name = r.source_name
left join {{ ref('int_items_data_items') }} as d
    on i.department_code = d.department_code and i.source_name = d.source_name and i.column_name = d.column_name
left join {{ ref('stg_governance__field_grades') }} as g
    on i.department_code = g.department_code and i.source_name = g.source_name and i.column_name = g.column_name
