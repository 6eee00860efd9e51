-- What changed between consecutive catalog versions: resources new or withdrawn, columns added
-- or dropped, and catalog attributes changed (name, class, type, share/open, cycle, grade).
with

versions as (
    select * from {{ ref('catalog_version') }}
),

pairs as (
    select distinct
        version_number,
        lag(version_number) over (order by version_number) as previous_version
    from (select distinct version_number from versions) as v
),

compared as (
    select
        p.version_number,
        p.previous_version,
        coalesce(n.resource_code, o.resource_code) as resource_code,
        coalesce(n.department_code, o.department_code) as department_code,
        coalesce(n.source_name, o.source_name) as source_name,
        o as old_row,  -- noqa: RF02
        n as new_row  -- noqa: RF02
    from pairs as p
    inner join versions as n on p.version_number = n.version_number
    full outer join versions as o
        on p.previous_version = o.version_number and n.resource_code = o.resource_code
    where p.previous_version is not null
),

resource_changes as (
    select
        version_number,
        resource_code,
        department_code,
        source_name,
        case
            when (old_row).resource_code is null then 'new'
            when (new_row).status = '已撤销' and (old_row).status = '有效' then 'withdrawn'
            when (new_row).status = '有效' and (old_row).status = '已撤销' then 'reinstated'
        end as change_type,
        null::text as attribute,
        null::text as old_value,
        null::text as new_value
    from compared
),

attribute_changes as (
    select
        c.version_number,
        c.resource_code,
        c.department_code,
        c.source_name,
        'attribute_changed' as change_type,
        a.attribute,
        a.old_value,
        a.new_value
    from compared as c
    cross join
        lateral (
            values
            ('资源名称', (c.old_row).resource_name, (c.new_row).resource_name),
            ('分类', (c.old_row).class_code, (c.new_row).class_code),
            ('资源类型', (c.old_row).resource_type, (c.new_row).resource_type),
            ('共享属性', (c.old_row).share_attribute, (c.new_row).share_attribute),
            ('开放属性', (c.old_row).open_attribute, (c.new_row).open_attribute),
            ('更新周期', (c.old_row).update_cycle, (c.new_row).update_cycle),
            ('分级', (c.old_row).grade, (c.new_row).grade)
        ) as a (attribute, old_value, new_value)
    where
        (c.old_row).resource_code is not null
        and (c.new_row).resource_code is not null
        and a.old_value is distinct from a.new_value
),

column_changes as (
    select
        c.version_number,
        c.resource_code,
        c.department_code,
        c.source_name,
        x.change_type,
        '信息项' as attribute,
        case when x.change_type = 'column_dropped' then x.column_name end as old_value,
        case when x.change_type = 'column_added' then x.column_name end as new_value
    from compared as c
    cross join
        lateral (
            select
                'column_added' as change_type,
                col as column_name
            from unnest((c.new_row).column_names) as col
            where not col = any((c.old_row).column_names)
            union all
            select
                'column_dropped' as change_type,
                col as column_name
            from unnest((c.old_row).column_names) as col
            where not col = any((c.new_row).column_names) and (c.new_row).status = '有效'
        ) as x
    where (c.old_row).resource_code is not null and (c.new_row).resource_code is not null
)

select * from resource_changes
where change_type is not null
union all
select * from attribute_changes
union all
select * from column_changes
