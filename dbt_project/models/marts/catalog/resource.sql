-- 公共数据资源目录: one row per resource (table or file) with the fields of the national catalog
-- guide, the rule that classified it, its grade, and which mandatory fields still need filling.
with

harvested as (
    select * from {{ ref('int_resources_harvested') }}
),

items as (
    select
        department_code,
        source_name,
        count(*) as item_count,
        count(*) filter (where name_source = 'missing') as items_unnamed,
        string_agg(item_name, '、' order by ordinal_position) filter (
            where name_source <> 'missing'
        ) as item_names
    from {{ ref('int_items_named') }}
    group by department_code, source_name
),

policies as (
    select * from {{ ref('stg_catalog_config__policies') }}
),

cycles as (
    select * from {{ ref('stg_catalog_config__update_cycles') }}
),

related as (
    select
        department_code,
        source_name,
        array_agg(distinct related_code order by related_code) as related_resource_codes
    from {{ ref('int_resources_related') }}
    group by department_code, source_name
),

assembled as (
    select
        r.resource_code,
        h.department_code,
        h.source_name,
        cls.lei_name as class_lei,
        cls.xiang_name as class_xiang,
        cls.mu_name as class_mu,
        c.class_code,
        c.resource_type,
        c.classification_rule,
        coalesce(o.name, s.title, h.table_comment, case when h.source_kind = 'file' then h.source_name end)
            as resource_name,
        -- declared in the config, else the 填报单位 written in a report-shaped file, else the department
        coalesce(s.provider, h.reported_by, d.department_name) as provider_name,
        d.org_code as provider_code,
        d.contact_name,
        d.contact_email,
        case
            when h.object_type in ('view', 'materialized view') then '数据库视图'
            when h.source_kind = 'database' then '数据库表'
            else '电子文件(' || upper(regexp_replace(h.file_name, '^.*\.', '')) || ')'
        end as resource_format,
        coalesce(o.update_cycle, s.update_cycle) as declared_update_cycle,
        g.grade,
        coalesce(o.share_attribute, gp.share_attribute, dp.share_attribute) as share_attribute,
        coalesce(o.share_condition, gp.share_condition, dp.share_condition) as share_condition,
        coalesce(o.share_method, gp.share_method, dp.share_method) as share_method,
        coalesce(o.open_attribute, gp.open_attribute, dp.open_attribute) as open_attribute,
        coalesce(o.open_condition, gp.open_condition, dp.open_condition) as open_condition,
        o.summary as summary_override,
        r.catalogued_at::date as published_on,
        rel.related_resource_codes,
        h.row_count,
        h.last_modified_at as last_updated_at,
        h.latest_crawl_at,
        i.item_count,
        i.items_unnamed,
        i.item_names,
        h.raw_schema,
        h.raw_table,
        h.is_current,
        h.is_latest_copy_failed,
        case when h.is_current then null else h.missing_since end as withdrawn_at
    from harvested as h
    inner join {{ ref('resource_code_registry') }} as r
        on h.department_code = r.department_code and h.source_name = r.source_name
    inner join {{ ref('int_resources_classified') }} as c
        on h.department_code = c.department_code and h.source_name = c.source_name
    inner join {{ ref('stg_catalog_config__classes') }} as cls on c.class_code = cls.class_code
    inner join {{ ref('stg_catalog_config__departments') }} as d on h.department_code = d.department_code
    left join {{ ref('stg_catalog_config__table_specs') }} as s
        on h.department_code = s.department_code and h.source_name = s.table_name
    left join {{ ref('stg_catalog_config__overrides') }} as o
        on h.department_code = o.department_code and h.source_name = o.table_name
    left join {{ ref('stg_governance__table_grades') }} as g
        on h.department_code = g.department_code and h.source_name = g.source_name
    left join policies as gp on g.grade = gp.grade
    cross join (
        select * from policies
        where grade = 'default'
    ) as dp
    left join items as i on h.department_code = i.department_code and h.source_name = i.source_name
    left join related as rel on h.department_code = rel.department_code and h.source_name = rel.source_name
),

final as (
    select
        *,
        coalesce(
            summary_override,
            provider_name || '的' || coalesce(resource_name, source_name) || '，含' || coalesce(item_count, 0)
            || '个信息项' || coalesce('（' || left(item_names, 60) || case when length(item_names) > 60 then '…' else '' end || '）', '')
            || '，共' || coalesce(row_count, 0) || '条记录'
            || coalesce('，' || declared_update_cycle || '更新', '') || '。'
        ) as summary
    from assembled
)

select
    resource_code,
    class_lei,
    class_xiang,
    class_mu,
    class_code,
    resource_type,
    coalesce(resource_name, source_name) as resource_name,
    provider_name,
    provider_code,
    summary,
    resource_format,
    share_attribute,
    share_condition,
    share_method,
    open_attribute,
    open_condition,
    coalesce(declared_update_cycle, '不定期') as update_cycle,
    published_on,
    coalesce(related_resource_codes, '{}') as related_resource_codes,
    row_count,
    last_updated_at,
    coalesce(grade, '待分级') as grade,
    classification_rule,
    case when is_current then '有效' else '已撤销' end as status,
    withdrawn_at,
    is_latest_copy_failed,
    case
        when is_latest_copy_failed then '最近一次采集失败：目录描述上次成功采集的快照'
    end as crawl_note,
    department_code,
    source_name,
    raw_schema,
    raw_table,
    coalesce(item_count, 0) as item_count,
    coalesce(items_unnamed, 0) as items_unnamed,
    contact_name,
    contact_email,
    array_remove(array[
        case when resource_name is null then '信息资源名称' end,
        case when provider_code is null then '信息资源提供方代码' end,
        case when declared_update_cycle is null then '更新周期' end,
        case when grade is null then '分级' end,
        case when coalesce(items_unnamed, 0) > 0 then '信息项名称' end
    ], null) as fields_to_complete,
    case
        when declared_update_cycle is null or declared_update_cycle = '不定期' or last_updated_at is null then null
        else last_updated_at < latest_crawl_at - make_interval(days => (
            select cycles.stale_after_days from cycles
            where cycles.update_cycle = final.declared_update_cycle
        ))
    end as is_stale
from final
