-- Every PDMM indicator's evidence rows for the period (var `period`, YYYY-MM): which table, column and check,
-- how much was checked and how much failed. Passing rows are summed per resource, failing ones kept per column
-- and check: each failing row is a defect the fix list can price (fix_key: the same defect in several
-- indicators — a bad identifier fails Q1 and Q2 — is fixed once).
{% set period_end -%}
    ((date '{{ var("period") }}-01' + interval '1 month')::timestamp at time zone 'Asia/Shanghai')
{%- endset %}
{% set period_start -%}
    ((date '{{ var("period") }}-01')::timestamp at time zone 'Asia/Shanghai')
{%- endset %}

with settings as (
    select * from {{ ref('stg_maturity__pdmm_settings') }}
),

resources as (
    select * from {{ ref('resource') }}
    where status = '有效'
),

items as (
    select i.*
    from {{ ref('item') }} as i
    inner join resources as r on i.resource_code = r.resource_code
),

latest_crawl as (
    select * from {{ ref('int_crawl_runs_latest') }}
),

quality_runs as (
    -- each department's latest check before the period's end
    select distinct on (department_code)
        department_code,
        run_id
    from {{ ref('stg_maturity__quality_results') }}
    where checked_at < {{ period_end }}
    order by department_code asc, checked_at desc
),

quality as (
    select q.*
    from {{ ref('stg_maturity__quality_results') }} as q
    inner join quality_runs as r on q.department_code = r.department_code and q.run_id = r.run_id
    where q.error is null
),

served as (
    select * from {{ ref('stg_maturity__datasets') }}
    where status = '已发布'
),

c1 as (
    select
        h.department_code,
        'C1' as indicator_code,
        'meta.harvested_table' as evidence_table,
        r.resource_code,
        h.source_name as table_name,
        null::text as column_name,
        '已编目并赋码' as check_name,
        1::numeric as checked_count,
        case when r.resource_code is null then 1 else 0 end::numeric as failed_count,
        null::bigint as bad_row_count
    from {{ ref('stg_meta__harvested_tables') }} as h
    inner join latest_crawl as l on h.crawl_run_id = l.crawl_run_id
    left join resources as r on h.department_code = r.department_code and h.source_name = r.source_name
    where h.row_count > 0
),

c2 as (
    select
        r.department_code,
        'C2' as indicator_code,
        'catalog.resource' as evidence_table,
        r.resource_code,
        r.source_name as table_name,
        nullif(array_to_string(r.fields_to_complete, '、'), '') as column_name,
        '必填元数据项已填写' as check_name,
        s.catalog_mandatory_fields::numeric as checked_count,
        coalesce(cardinality(r.fields_to_complete), 0)::numeric as failed_count,
        null::bigint as bad_row_count
    from resources as r
    cross join settings as s
),

c3 as (
    select
        department_code,
        'C3' as indicator_code,
        'catalog.item' as evidence_table,
        resource_code,
        source_name as table_name,
        case when is_name_missing then column_name end as column_name,
        '信息项有中文名称' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where is_name_missing)::numeric as failed_count,
        null::bigint as bad_row_count
    from items
    group by 1, 2, 3, 4, 5, 6  -- noqa: AM06
),

r1 as (
    select
        i.department_code,
        'R1' as indicator_code,
        'catalog.responsibility' as evidence_table,
        i.resource_code,
        i.source_name as table_name,
        case when not coalesce(m.is_mapped, false) then i.column_name end as column_name,
        '数据项对应履职事项和权威数源' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where not coalesce(m.is_mapped, false))::numeric as failed_count,
        null::bigint as bad_row_count
    from items as i
    left join (
        select
            data_item,
            bool_or(status = '已明确') as is_mapped
        from {{ ref('responsibility') }}
        group by data_item
    ) as m on i.data_item = m.data_item
    where i.data_item is not null
    group by 1, 2, 3, 4, 5, 6  -- noqa: AM06
),

r2 as (
    select
        copy_department as department_code,
        'R2' as indicator_code,
        'catalog.source_conflict_summary' as evidence_table,
        copy_resource_code as resource_code,
        copy_source_name as table_name,
        data_item as column_name,
        '与权威数源一致（' || authoritative_department || '）' as check_name,
        records_compared::numeric as checked_count,
        conflicts::numeric as failed_count,
        conflicts as bad_row_count
    from {{ ref('stg_maturity__source_conflicts') }}
    where records_compared > 0
),

r3 as (
    select
        department_code,
        'R3' as indicator_code,
        'catalog.resource' as evidence_table,
        resource_code,
        source_name as table_name,
        null::text as column_name,
        '资源有明确联系人' as check_name,
        1::numeric as checked_count,
        case when nullif(trim(contact_name), '') is null then 1 else 0 end::numeric as failed_count,
        null::bigint as bad_row_count
    from resources
),

q1 as (
    select
        q.department_code,
        'Q1' as indicator_code,
        'governance.quality_result' as evidence_table,
        q.resource_code,
        q.source_name as table_name,
        q.column_name,
        q.expectation_key as check_name,
        w.weight as checked_count,
        case when q.success then 0 else w.weight end as failed_count,
        q.unexpected_count as bad_row_count
    from quality as q
    cross join settings as s
    cross join
        lateral (
            select
                case q.severity
                    when 'critical' then s.critical_weight
                    when 'warning' then s.warning_weight
                    else s.info_weight
                end as weight
        ) as w
    where w.weight > 0
),

q234 as (
    select
        department_code,
        case
            when dimension = 'validity' and expectation_type like 'expect_column_values_to_be_valid_cn_%' then 'Q2'
            when expectation_type = 'expect_column_values_to_not_be_null' then 'Q3'
            when dimension = 'uniqueness' then 'Q4'
        end as indicator_code,
        'governance.quality_result' as evidence_table,
        resource_code,
        source_name as table_name,
        column_name,
        expectation_key as check_name,
        element_count::numeric as checked_count,
        coalesce(unexpected_count, 0)::numeric as failed_count,
        unexpected_count as bad_row_count
    from quality
    where element_count > 0
),

t1 as (
    select
        department_code,
        'T1' as indicator_code,
        'catalog.resource' as evidence_table,
        resource_code,
        source_name as table_name,
        null::text as column_name,
        '按更新周期（' || update_cycle || '）更新' as check_name,
        1::numeric as checked_count,
        case when is_stale then 1 else 0 end::numeric as failed_count,
        null::bigint as bad_row_count
    from resources
    where is_stale is not null
    union all
    -- a file or table the latest crawl could not read is not updated either (notices are not errors)
    select
        e.department_code,
        'T1' as indicator_code,
        'meta.crawl_error' as evidence_table,
        null::text as resource_code,
        e.source_name as table_name,
        null::text as column_name,
        '采集成功（' || e.error_type || '）' as check_name,
        1::numeric as checked_count,
        1::numeric as failed_count,
        null::bigint as bad_row_count
    from {{ ref('stg_meta__crawl_errors') }} as e
    inner join latest_crawl as l on e.crawl_run_id = l.crawl_run_id
    where e.error_type not in ('value_converted', 'future_timestamp')
),

s1 as (
    select
        department_code,
        'S1' as indicator_code,
        'governance.field_classification' as evidence_table,
        resource_code,
        source_name as table_name,
        case when grade is null or category is null then column_name end as column_name,
        '已定类别和级别' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where grade is null or category is null)::numeric as failed_count,
        null::bigint as bad_row_count
    from items
    group by 1, 2, 3, 4, 5, 6  -- noqa: AM06
),

s2 as (
    select
        department_code,
        'S2' as indicator_code,
        'governance.field_classification' as evidence_table,
        resource_code,
        source_name as table_name,
        case when not coalesce(is_reviewed, false) then column_name end as column_name,
        grade || ' 信息项经人工复核' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where not coalesce(is_reviewed, false))::numeric as failed_count,
        null::bigint as bad_row_count
    from items
    where grade in ('L3', 'L4')
    group by 1, 2, 3, 4, 5, 6, 7  -- noqa: AM06
),

s3 as (
    -- an L3/L4 column of a served dataset's source published as it is ("kept") is not masked
    select
        i.department_code,
        'S3' as indicator_code,
        'publish.dataset' as evidence_table,
        i.resource_code,
        i.source_name as table_name,
        case when c.is_kept then i.column_name end as column_name,
        '开放数据集 ' || d.dataset_id || ' 中已脱敏或删除' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where c.is_kept)::numeric as failed_count,
        null::bigint as bad_row_count
    from served as d
    inner join items as i on i.resource_code = any(d.source_resource_codes)
    left join lateral (
        select coalesce(bool_or(cols.col ->> 'treatment' = 'kept'), false) as is_kept
        from jsonb_array_elements(d.columns) as cols (col)
        where cols.col ->> 'name' = i.column_name
    ) as c on true
    where i.grade in ('L3', 'L4')
    group by 1, 2, 3, 4, 5, 6, 7  -- noqa: AM06
),

s4 as (
    select
        d.department_code,
        'S4' as indicator_code,
        'publish.publication_log' as evidence_table,
        null::text as resource_code,
        p.dataset_id as table_name,
        null::text as column_name,
        '泄露检查未发现个人信息' as check_name,
        count(*)::numeric as checked_count,
        count(*) filter (where not p.is_leak_guard_ok)::numeric as failed_count,
        count(*) filter (where not p.is_leak_guard_ok) as bad_row_count
    from {{ ref('stg_maturity__publication_log') }} as p
    inner join {{ ref('stg_maturity__datasets') }} as d on p.dataset_id = d.dataset_id
    where p.logged_at >= {{ period_start }} and p.logged_at < {{ period_end }}
    group by 1, 2, 3, 4, 5, 6, 7  -- noqa: AM06
),

o1 as (
    select
        r.department_code,
        'O1' as indicator_code,
        'publish.dataset' as evidence_table,
        r.resource_code,
        r.source_name as table_name,
        null::text as column_name,
        r.open_attribute || '资源已发布' as check_name,
        1::numeric as checked_count,
        case when exists (
            select 1 from served as d
            where r.resource_code = any(d.source_resource_codes)
        ) then 0 else 1 end::numeric as failed_count,
        null::bigint as bad_row_count
    from resources as r
    where r.open_attribute in ('无条件开放', '有条件开放')
),

o2 as (
    select
        department_code,
        'O2' as indicator_code,
        'open_data.dataset_catalog' as evidence_table,
        null::text as resource_code,
        dataset_id as table_name,
        null::text as column_name,
        'MQA 元数据质量（满分 405）' as check_name,
        405::numeric as checked_count,
        (405 - least(mqa_points, 405))::numeric as failed_count,
        null::bigint as bad_row_count
    from served
    where mqa_points is not null
),

o3 as (
    select
        department_code,
        'O3' as indicator_code,
        'config/pdmm.yaml demands' as evidence_table,
        null::text as resource_code,
        title as table_name,
        null::text as column_name,
        '数据需求已答复' as check_name,
        1::numeric as checked_count,
        case when is_answered then 0 else 1 end::numeric as failed_count,
        null::bigint as bad_row_count
    from {{ ref('stg_maturity__pdmm_demands') }}
),

unioned as (
    select * from c1
    union all
    select * from c2
    union all
    select * from c3
    union all
    select * from r1
    union all
    select * from r2
    union all
    select * from r3
    union all
    select * from q1
    union all
    select * from q234
    where indicator_code is not null
    union all
    select * from t1
    union all
    select * from s1
    union all
    select * from s2
    union all
    select * from s3
    union all
    select * from s4
    union all
    select * from o1
    union all
    select * from o2
    union all
    select * from o3
)

select
    u.*,
    case
        when u.failed_count > 0 then
            md5(concat_ws(
                '|', u.department_code, coalesce(u.resource_code, u.table_name),
                u.column_name,
                -- a quality check's key, or the indicator's own check for the other evidence
                case when u.evidence_table = 'governance.quality_result' then u.check_name else u.indicator_code end
            ))
    end as fix_key,
    -- a few failing values of a quality check, as the quality stage stored them: masked (evidence policy)
    case when u.failed_count > 0 then nullif(array_to_string(q.examples, '、'), '') end as examples
from unioned as u
left join quality as q
    on
        u.evidence_table = 'governance.quality_result'
        and u.department_code = q.department_code
        and u.resource_code = q.resource_code
        and u.check_name = q.expectation_key
