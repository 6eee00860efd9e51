-- Every table or file ever harvested, as last seen, with whether it is in the current catalog.
-- A source that failed to read in the latest crawl (bad file, failed copy) is still current:
-- it was not dropped, we could not read it this time.
with

latest as (
    select * from {{ ref('int_crawl_runs_latest') }}
),

completed_runs as (
    select
        crawl_run_id,
        department_code,
        finished_at
    from {{ ref('stg_meta__crawl_runs') }}
    where is_completed
),

last_seen as (
    select distinct on (t.department_code, t.source_name)
        t.*,
        r.finished_at as seen_at
    from {{ ref('stg_meta__harvested_tables') }} as t
    inner join completed_runs as r on t.crawl_run_id = r.crawl_run_id
    order by t.department_code asc, t.source_name asc, t.crawl_run_id desc
),

first_seen as (
    select
        t.department_code,
        t.source_name,
        min(r.finished_at) as first_seen_at
    from {{ ref('stg_meta__harvested_tables') }} as t
    inner join completed_runs as r on t.crawl_run_id = r.crawl_run_id
    group by t.department_code, t.source_name
),

-- the last harvest whose copy succeeded: what raw_<dept> holds when the latest copy failed
last_good as (
    select distinct on (t.department_code, t.source_name)
        t.department_code,
        t.source_name,
        t.row_count,
        t.last_modified_at
    from {{ ref('stg_meta__harvested_tables') }} as t
    inner join completed_runs as r on t.crawl_run_id = r.crawl_run_id
    where t.snapshot_mode is distinct from 'failed'
    order by t.department_code asc, t.source_name asc, t.crawl_run_id desc
),

configured as (
    select department_code from {{ ref('stg_catalog_config__departments') }}
    where is_configured
),

unreadable_now as (
    select
        e.department_code,
        e.source_name
    from {{ ref('stg_meta__crawl_errors') }} as e
    inner join latest as l on e.crawl_run_id = l.crawl_run_id
)

select
    s.crawl_run_id,
    s.department_code,
    s.source_name,
    s.source_kind,
    s.source_schema,
    s.source_table,
    s.file_name,
    s.sheet_name,
    s.table_comment,
    s.primary_key,
    g.row_count,
    g.last_modified_at,
    s.update_column,
    s.raw_schema,
    s.raw_table,
    s.snapshot_mode,
    s.object_type,
    s.reported_by,
    s.seen_at,
    s.snapshot_mode = 'failed' as is_latest_copy_failed,
    f.first_seen_at,
    l.crawl_run_id as latest_crawl_run_id,
    l.finished_at as latest_crawl_at,
    (
        s.department_code in (select c.department_code from configured as c)
        and (
            s.crawl_run_id = l.crawl_run_id
            or exists (
                select 1 from unreadable_now as u
                where
                    u.department_code = s.department_code
                    and u.source_name in (s.source_name, s.file_name)
            )
        )
    ) as is_current,
    coalesce(
        (
            select min(r.finished_at) from completed_runs as r
            where r.department_code = s.department_code and r.crawl_run_id > s.crawl_run_id
        ),
        -- a department removed from the config: withdrawn as of its last crawl
        case when s.department_code not in (select c.department_code from configured as c) then l.finished_at end
    ) as missing_since
from last_seen as s
left join last_good as g on s.department_code = g.department_code and s.source_name = g.source_name
inner join first_seen as f on s.department_code = f.department_code and s.source_name = f.source_name
inner join latest as l on s.department_code = l.department_code
