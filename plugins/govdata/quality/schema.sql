-- Tables owned by the quality stage (govdata.quality). Idempotent: installed by warehouse.ensure_schema before
-- every check. Only govdata.quality writes them; maturity scoring and the feedback workbooks read them.
create schema if not exists governance;

-- one row per expectation per resource per run, kept over time (a re-run of the same run replaces its rows)
create table if not exists governance.quality_result (
    run_id text not null,                 -- the run's logical date (Airflow) or the time of a manual check
    checked_at timestamptz not null default now(),
    department_code text not null,
    resource_code text not null,          -- 信息资源代码 (catalog.resource)
    source_name text not null,
    suite_name text not null,             -- expectations/expectations/<department>/<resource>.json
    expectation_key text not null,        -- meta.govdata.key (completeness:xm …) or the GX id of a staff expectation
    expectation_type text not null,
    column_name text,                     -- the column (or key columns joined by +) checked, if any
    dimension text,                       -- completeness / validity / uniqueness / timeliness / consistency
    severity text not null check (severity in ('critical', 'warning', 'info')),
    is_generated boolean not null,        -- false: added or edited by staff
    success boolean not null,
    element_count bigint,
    unexpected_count bigint,
    unexpected_percent numeric,
    observed_value jsonb,                 -- GX's observed value (a count, a stale resource's dates), never a raw value
    examples text [] not null default '{}', -- a few failing values masked with the `evidence` policy
    error text,                           -- the check could not run (a missing column, a SQL error)
    primary key (run_id, department_code, suite_name, expectation_key)
);
create index if not exists quality_result_resource on governance.quality_result (resource_code, checked_at);
comment on table governance.quality_result is
    '数据质量检查结果: one row per expectation per resource per run; examples masked (evidence policy)';
