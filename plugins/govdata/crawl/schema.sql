-- Tables owned by the crawl stage (govdata.crawl). Idempotent: run before every crawl.
create schema if not exists meta;

create table if not exists meta.crawl_run (
    crawl_run_id bigserial primary key,
    department_code text not null,
    run_id text not null,
    logical_date timestamptz,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    status text not null default 'running'
        check (status in ('running', 'success', 'partial', 'failed')),
    tables_harvested integer,
    rows_copied bigint,
    error_message text,
    unique (department_code, run_id)
);
comment on table meta.crawl_run is '采集批次: one crawl of one department';
-- the process that runs the crawl, so a later crawl can tell a live run from an abandoned one
alter table meta.crawl_run add column if not exists pid integer;
alter table meta.crawl_run add column if not exists host text;

create table if not exists meta.harvested_table (
    crawl_run_id bigint not null references meta.crawl_run on delete cascade,
    department_code text not null,
    source_name text not null,
    source_kind text not null check (source_kind in ('database', 'file')),
    source_schema text,
    source_table text not null,
    file_name text,
    sheet_name text,
    file_encoding text,
    table_comment text,
    primary_key text [] not null default '{}',
    row_count bigint,
    last_modified_at timestamptz,
    update_column text,
    raw_schema text not null,
    raw_table text not null,
    snapshot_mode text constraint harvested_table_snapshot_mode_check
        check (snapshot_mode in ('full', 'incremental', 'unchanged', 'failed')),
    rows_copied bigint,
    primary key (crawl_run_id, source_name)
);
comment on table meta.harvested_table is '采集到的表/文件元数据, per crawl run';
-- table, view, materialized view, partitioned table, file
alter table meta.harvested_table add column if not exists object_type text;
-- what the file reader decided about a report-shaped file (报表): header rows, footer rows dropped,
-- columns flattened, merged cells filled; and the 填报单位/填报日期/制表人 it found in the file
alter table meta.harvested_table add column if not exists layout jsonb;
alter table meta.harvested_table add column if not exists reported_by text;
alter table meta.harvested_table add column if not exists reported_on date;
alter table meta.harvested_table add column if not exists prepared_by text;

create table if not exists meta.harvested_column (
    crawl_run_id bigint not null references meta.crawl_run on delete cascade,
    department_code text not null,
    source_name text not null,
    column_name text not null,
    ordinal_position integer not null,
    data_type text not null,
    is_nullable boolean not null default true,
    column_comment text,
    is_primary_key boolean not null default false,
    primary key (crawl_run_id, source_name, column_name)
);
comment on table meta.harvested_column is '采集到的字段元数据, per crawl run';

create table if not exists meta.schema_change (
    schema_change_id bigserial primary key,
    crawl_run_id bigint not null references meta.crawl_run on delete cascade,
    previous_crawl_run_id bigint,
    department_code text not null,
    source_name text not null,
    column_name text,
    change_type text not null check (
        change_type in ('table_added', 'table_dropped', 'column_added', 'column_dropped', 'type_changed')
    ),
    old_value text,
    new_value text,
    detected_at timestamptz not null default now()
);
comment on table meta.schema_change is '结构变更: tables/columns added, dropped or retyped since the previous crawl';

create table if not exists meta.crawl_error (
    crawl_error_id bigserial primary key,
    crawl_run_id bigint not null references meta.crawl_run on delete cascade,
    department_code text not null,
    source_kind text not null,
    source_name text not null,
    column_name text,
    error_type text not null,
    message text not null,
    occurred_at timestamptz not null default now()
);
comment on table meta.crawl_error is '采集错误: files or tables that could not be crawled, for the maturity report';

create table if not exists meta.snapshot_state (
    department_code text not null,
    source_name text not null,
    raw_schema text not null,
    raw_table text not null,
    column_signature text not null,
    watermark text,
    row_count bigint not null,
    crawl_run_id bigint not null,
    refreshed_at timestamptz not null default now(),
    fingerprint text,
    update_column text,
    primary key (department_code, source_name)
);
comment on table meta.snapshot_state is '快照状态: what raw_<dept>.<table> currently holds, for incremental copies';

-- Databases created before 'unchanged' snapshots and source fingerprints: altered only when needed, so the
-- statements run once (every crawl runs this file; a needless ALTER would lock and re-check the tables).
do $$
begin
    if not exists (
        select from pg_constraint
        where conname = 'harvested_table_snapshot_mode_check' and conrelid = 'meta.harvested_table'::regclass
          and pg_get_constraintdef(oid) like '%unchanged%'
    ) then
        alter table meta.harvested_table drop constraint if exists harvested_table_snapshot_mode_check;
        alter table meta.harvested_table add constraint harvested_table_snapshot_mode_check
            check (snapshot_mode in ('full', 'incremental', 'unchanged', 'failed'));
    end if;
    if not exists (
        select from pg_attribute where attrelid = 'meta.snapshot_state'::regclass and attname = 'fingerprint'
    ) then
        alter table meta.snapshot_state add column fingerprint text, add column update_column text;
    end if;
end $$;
