-- Each attribute column (姓名, 企业名称, …) paired with the key column its values belong to, in the
-- same table: the key of the same role (母亲姓名 ↔ 母亲身份证号), else the table's only key of that
-- kind, else the key without a role. Where two attributes of one item (学生姓名, 监护人姓名) would
-- both fall back onto the same key, neither is paired: guessing would report false conflicts.
-- These pairs are what 一数一源 conflicts are checked on.
with

items as (
    select * from {{ ref('int_items_data_items') }}
),

attributes as (
    select * from items
    where key_item is not null
),

keys as (
    select * from items
    where key_type is not null
),

candidates as (
    select
        a.department_code,
        a.source_name,
        a.column_name as attribute_column,
        a.data_item,
        a.item_role,
        k.column_name as key_column,
        k.data_item as key_item,
        k.key_type,
        case
            when k.item_role = a.item_role then 1
            when count(*) over (partition by a.department_code, a.source_name, a.column_name) = 1 then 2
            when k.item_role = '' then 3
        end as match_rank
    from attributes as a
    inner join keys as k
        on
            a.department_code = k.department_code
            and a.source_name = k.source_name
            and a.key_item = k.data_item
),

best as (
    select distinct on (department_code, source_name, attribute_column)
        department_code,
        source_name,
        attribute_column,
        data_item,
        key_column,
        key_item,
        key_type,
        match_rank
    from candidates
    where match_rank is not null
    order by department_code asc, source_name asc, attribute_column asc, match_rank asc
)

select
    department_code,
    source_name,
    attribute_column,
    data_item,
    key_column,
    key_item,
    key_type
from best as b
where
    match_rank = 1
    or not exists (
        select 1 from best as o
        where
            o.department_code = b.department_code
            and o.source_name = b.source_name
            and o.data_item = b.data_item
            and o.key_column = b.key_column
            and o.attribute_column <> b.attribute_column
    )
