-- Tables owned by the publication stage (govdata.publish). Idempotent: installed by warehouse.ensure_schema
-- before every publication. Only govdata.publish writes them; the portal reads open_data.* (role portal_reader).
create schema if not exists publish;          -- the stage's state: datasets, versions, log, approvals, audit
create schema if not exists publish_store;    -- version tables behind the served views (private)
create schema if not exists publish_work;     -- candidates being built (private, dropped after each run)
create schema if not exists open_data;        -- 无条件开放: one view per dataset + dataset_catalog
create schema if not exists conditional_data; -- 有条件开放: pseudonymised views, per-applicant roles
create schema if not exists open_data_input;  -- curated datasets' dbt models (private)

-- 开放目录: one row per open dataset, derived or curated, whatever its state
create table if not exists publish.dataset (
    dataset_id text primary key,
    kind text not null check (kind in ('derived', 'curated')),
    title text not null,
    description text not null,
    theme text not null,
    keywords text [] not null default '{}',
    update_cycle text not null,
    -- decided: by the grade after masking, or by staff (decision_by)
    open_attribute text not null check (open_attribute in ('无条件开放', '有条件开放', '不予开放')),
    decision_by text,
    -- 已发布 served; 待审核 waiting for approval; 已阻止 the leak guard or a check stopped the last candidate
    -- (the previous version, if any, is still served); 不予开放 never published; 已撤回 withdrawn
    status text not null check (status in ('已发布', '待审核', '已阻止', '不予开放', '已撤回')),
    status_reason text,
    served_schema text check (served_schema in ('open_data', 'conditional_data')),
    current_version integer,
    department_code text,
    source_resource_codes text [] not null default '{}',
    columns jsonb not null default '[]',
    schema_signature text,
    mqa jsonb,
    mqa_points integer,
    first_published_at timestamptz,
    updated_at timestamptz not null default now()
);
comment on table publish.dataset is '开放目录: every open dataset, its 开放属性, status and current version';

-- one row per published version; the table publish_store.<dataset>__v<version> holds its rows
create table if not exists publish.version (
    dataset_id text not null references publish.dataset (dataset_id),
    version integer not null,
    served_schema text not null,
    row_count bigint not null,
    checksum text not null,
    schema_signature text not null,
    source_crawl_run_ids bigint [] not null default '{}',
    policy_version text not null,
    leak_guard jsonb not null,
    suppressed_rows bigint not null default 0,
    approved_by text not null,
    files jsonb not null default '[]',
    published_at timestamptz not null default now(),
    -- the version's table was dropped (versions_kept); its exports went with it
    dropped_at timestamptz,
    primary key (dataset_id, version)
);
comment on table publish.version is '开放数据版本: rows, checksum, source crawl, policy, leak guard and approval of each version';

-- publication log: one line per dataset per run, whatever happened
create table if not exists publish.publication_log (
    log_id bigserial primary key,
    logged_at timestamptz not null default now(),
    run_id text not null,
    dataset_id text not null,
    outcome text not null,
    version integer,
    row_count bigint,
    suppressed_rows bigint,
    checksum text,
    source_crawl_run_ids bigint [] not null default '{}',
    policy_version text,
    leak_guard jsonb,
    approved_by text,
    message text
);
create index if not exists publication_log_dataset on publish.publication_log (dataset_id, logged_at);
-- the outcomes a line may have (held: a source failed a critical quality check); replaced when the list grows
alter table publish.publication_log drop constraint if exists publication_log_outcome_check;
alter table publish.publication_log add constraint publication_log_outcome_check
check (outcome in ('published', 'unchanged', 'blocked', 'held', 'pending', 'withheld', 'failed'));

-- 审核: a new dataset, or one whose columns changed, waits here when require_approval is on
create table if not exists publish.approval (
    dataset_id text not null,
    schema_signature text not null,
    status text not null check (status in ('待审核', '已批准', '已驳回')),
    candidate jsonb not null,
    requested_at timestamptz not null default now(),
    decided_by text,
    decided_at timestamptz,
    reason text,
    primary key (dataset_id, schema_signature)
);

-- 全程留痕: append-only; publication, withdrawal, approval, staff decisions, access and policy changes
create table if not exists publish.audit (
    audit_id bigserial primary key,
    at timestamptz not null default now(),
    actor text not null,
    action text not null,
    dataset_id text,
    detail jsonb not null default '{}',
    reason text
);
create index if not exists publish_audit_dataset on publish.audit (dataset_id, at);

create or replace function publish.audit_is_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'publish.audit is append-only (% refused)', tg_op;
end;
$$;
create or replace trigger publish_audit_append_only
    before update or delete or truncate on publish.audit
    for each statement execute function publish.audit_is_append_only();

-- what was last audited of the config (masking policy, decisions, access list): changes are audited once
create table if not exists publish.config_state (
    item text primary key,
    fingerprint text not null,
    content jsonb not null,
    recorded_at timestamptz not null default now()
);

-- the portal's view of the catalogue: published datasets only, no internal state
create or replace view open_data.dataset_catalog as
select
    d.dataset_id,
    d.title,
    d.description,
    d.theme,
    d.keywords,
    d.update_cycle,
    d.open_attribute,
    d.served_schema,
    d.current_version as version,
    v.row_count,
    d.columns,
    d.source_resource_codes,
    v.files as distributions,
    d.mqa_points,
    d.mqa,
    d.first_published_at as issued,
    v.published_at as modified
from publish.dataset as d
inner join publish.version as v on d.dataset_id = v.dataset_id and d.current_version = v.version
where d.current_version is not null and d.status in ('已发布', '已阻止', '待审核');
comment on view open_data.dataset_catalog is '开放目录 (portal): every dataset currently served, its metadata and MQA score';
