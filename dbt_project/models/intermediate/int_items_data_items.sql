-- Columns that stand for a data item compared across departments (一数一源): the Chinese item name
-- is one of the item's names, or ends with one where roles are allowed (母亲姓名 → 姓名, role 母亲).
-- The longest matching name wins, so 身份证号码 is not read as 身份证号 with a role 码.
select distinct on (i.department_code, i.source_name, i.column_name)
    i.department_code,
    i.source_name,
    i.column_name,
    i.item_name,
    d.item as data_item,
    d.key_type,
    d.key_item,
    left(i.item_name, length(i.item_name) - length(d.synonym)) as item_role
from {{ ref('int_items_named') }} as i
inner join {{ ref('stg_catalog_config__data_items') }} as d
    on i.item_name = d.synonym or (d.allow_roles and right(i.item_name, length(d.synonym)) = d.synonym)
order by i.department_code asc, i.source_name asc, i.column_name asc, length(d.synonym) desc
