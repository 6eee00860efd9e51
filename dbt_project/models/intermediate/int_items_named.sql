-- Columns of current resources with their Chinese name (信息项名称): the column comment, else a
-- Chinese file header, else the pinyin dictionary, else flagged 待补充 for the department.
with

current_resources as (
    select
        department_code,
        source_name,
        crawl_run_id
    from {{ ref('int_resources_harvested') }}
    where is_current
),

columns as (
    select c.*
    from {{ ref('stg_meta__harvested_columns') }} as c
    inner join current_resources as r
        on
            c.crawl_run_id = r.crawl_run_id and c.department_code = r.department_code
            and c.source_name = r.source_name
),

named as (
    select
        c.*,
        d.item_name as dictionary_name,
        c.column_name ~ '[\u4e00-\u9fff]' as has_chinese_header
    from columns as c
    left join {{ ref('stg_catalog_config__column_dictionary') }} as d on lower(c.column_name) = d.abbreviation
)

select
    department_code,
    source_name,
    column_name,
    ordinal_position,
    data_type,
    is_nullable,
    is_primary_key,
    column_comment,
    case
        when column_comment is not null then column_comment
        when has_chinese_header then column_name
        when dictionary_name is not null then dictionary_name
        else '待补充'
    end as item_name,
    case
        when column_comment is not null then 'comment'
        when has_chinese_header then 'header'
        when dictionary_name is not null then 'dictionary'
        else 'missing'
    end as name_source
from named
