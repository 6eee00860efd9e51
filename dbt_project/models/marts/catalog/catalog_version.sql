-- Catalog versions: the resource attributes as published by each build that changed anything.
-- Append-only; a build whose catalog equals the latest version adds nothing.
{{ config(materialized='incremental', unique_key=['version_number', 'resource_code'], full_refresh=false) }}

with

catalog_now as (
    select
        resource_code,
        department_code,
        source_name,
        resource_name,
        status,
        class_code,
        resource_type,
        share_attribute,
        open_attribute,
        update_cycle,
        grade,
        array(
            select i.column_name from {{ ref('item') }} as i
            where i.resource_code = r.resource_code
            order by i.ordinal_position
        ) as column_names
    from {{ ref('resource') }} as r
),

content as (
    select md5(string_agg(c::text, '|' order by c.resource_code)) as content_hash  -- noqa: RF02, RF03
    from catalog_now as c
),

{% if is_incremental() %}
    previous as (
        select
            max(version_number) as version_number,
            (array_agg(content_hash order by version_number desc))[1] as content_hash
        from {{ this }}
    ),
{% else %}
    previous as (
        select
            0 as version_number,
            null::text as content_hash
    ),
{% endif %}

new_version as (
    select
        coalesce(p.version_number, 0) + 1 as version_number,
        c.content_hash,
        p.content_hash as previous_hash,
        (select max(l.finished_at) from {{ ref('int_crawl_runs_latest') }} as l) as crawled_at
    from content as c
    cross join previous as p
)

select
    v.version_number,
    v.content_hash,
    v.crawled_at,
    c.*
from catalog_now as c
cross join new_version as v
where v.previous_hash is distinct from v.content_hash
