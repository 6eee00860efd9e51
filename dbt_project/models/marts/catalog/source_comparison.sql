-- 一数一源: every comparison of a copy against its authoritative source. A shared data item held
-- by the source named in the 责任清单 (已明确, authoritative) is compared with every other current
-- table holding the same item on the same kind of key (int_shared_key_pairs). Metadata only: the
-- values are compared in the restricted view source_conflict_candidates.
with

holders as (
    select
        p.department_code,
        p.source_name,
        r.resource_code,
        r.raw_schema,
        r.raw_table,
        p.attribute_column,
        p.key_column,
        p.data_item,
        p.key_item,
        p.key_type
    from {{ ref('int_shared_key_pairs') }} as p
    inner join {{ ref('resource') }} as r
        on p.department_code = r.department_code and p.source_name = r.source_name
    where r.status = '有效'
),

sources as (
    select h.*
    from holders as h
    inner join {{ ref('responsibility') }} as s
        on
            h.department_code = s.source_department_code
            and h.source_name = s.source_name
            and h.attribute_column = s.column_name
            and h.data_item = s.shared_data_item
    where s.is_authoritative and s.status = '已明确'
)

select
    row_number() over (
        order by
            s.data_item, s.department_code, s.source_name, c.department_code, c.source_name, c.attribute_column,
            s.attribute_column, c.key_column
    ) as comparison_id,
    s.data_item,
    s.key_item,
    s.key_type,
    s.department_code as source_department_code,
    s.source_name as source_source_name,
    s.resource_code as source_resource_code,
    s.raw_schema as source_raw_schema,
    s.raw_table as source_raw_table,
    s.attribute_column as source_column,
    s.key_column as source_key_column,
    c.department_code as copy_department_code,
    c.source_name as copy_source_name,
    c.resource_code as copy_resource_code,
    c.raw_schema as copy_raw_schema,
    c.raw_table as copy_raw_table,
    c.attribute_column as copy_column,
    c.key_column as copy_key_column
from sources as s
inner join holders as c
    on
        s.data_item = c.data_item
        and s.key_item = c.key_item
        and (s.department_code, s.source_name) <> (c.department_code, c.source_name)
