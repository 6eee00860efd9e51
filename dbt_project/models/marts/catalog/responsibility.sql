-- 责任清单 (一数一源): every data item a department's duty collects, with the resource and column
-- that hold it; and every shared data item held by several departments with its authoritative
-- source — the department whose duty declares it — or 未明确 where none declares it.
-- A declaration claims authority over a shared data item only when it names the item itself
-- (姓名, 公民身份号码); 新生儿姓名 or 母亲身份证号 are the duty's own items, not a claim on all 姓名.
with

declared as (
    select
        di.department_code,
        di.duty_name,
        di.item,
        di.table_name,
        di.column_name,
        dd.data_item,
        exists(
            select 1 from {{ ref('stg_catalog_config__data_items') }} as n
            where n.item = dd.data_item and n.synonym = di.item
        ) as is_claim
    from {{ ref('stg_catalog_config__duty_items') }} as di
    left join {{ ref('int_items_data_items') }} as dd
        on
            di.department_code = dd.department_code
            and di.table_name = dd.source_name
            and di.column_name = dd.column_name
),

holders as (
    select
        data_item,
        array_agg(distinct department_code order by department_code) as holder_departments,
        count(distinct department_code) as holder_count
    from {{ ref('int_items_data_items') }}
    group by data_item
),

declarers as (
    select
        data_item,
        count(distinct department_code) as declarer_count
    from declared
    where is_claim
    group by data_item
),

declared_rows as (
    select
        d.item as data_item,
        d.data_item as shared_data_item,
        d.is_claim as is_authoritative,
        d.department_code as source_department_code,
        d.duty_name,
        r.resource_code,
        d.table_name as source_name,
        d.column_name,
        case
            when d.is_claim and x.declarer_count > 1 then '多部门声明'
            when r.resource_code is null then '资源未找到'
            else '已明确'
        end as status,
        coalesce(h.holder_departments, array[d.department_code]) as holder_departments
    from declared as d
    left join {{ ref('resource_code_registry') }} as r
        on d.department_code = r.department_code and d.table_name = r.source_name
    left join holders as h on d.data_item = h.data_item
    left join declarers as x on d.data_item = x.data_item
),

undeclared_rows as (
    select
        h.data_item,
        h.data_item as shared_data_item,
        false as is_authoritative,
        null::text as source_department_code,
        null::text as duty_name,
        null::text as resource_code,
        null::text as source_name,
        null::text as column_name,
        '未明确' as status,
        h.holder_departments
    from holders as h
    where
        h.holder_count > 1
        and not exists (
            select 1 from declared as d
            where d.data_item = h.data_item and d.is_claim
        )
),

unioned as (
    select * from declared_rows
    union all
    select * from undeclared_rows
)

select
    md5(concat_ws('|', u.data_item, u.source_department_code, u.duty_name, u.source_name, u.column_name))
        as responsibility_id,
    u.data_item,
    u.shared_data_item,
    u.is_authoritative,
    u.status,
    u.source_department_code,
    dep.department_name as source_department_name,
    u.duty_name,
    u.resource_code,
    u.source_name,
    u.column_name,
    coalesce(s.update_cycle, '不定期') as update_cycle,
    dep.contact_name,
    dep.contact_email,
    dep.contact_phone,
    u.holder_departments
from unioned as u
left join {{ ref('stg_catalog_config__departments') }} as dep on u.source_department_code = dep.department_code
left join {{ ref('stg_catalog_config__table_specs') }} as s
    on u.source_department_code = s.department_code and u.source_name = s.table_name
