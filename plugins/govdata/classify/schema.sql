-- Tables owned by the classification stage (govdata.classify). Idempotent: run before every classification
-- and every review. Other stages read them; only govdata.classify writes them.
create schema if not exists governance;

create table if not exists governance.field_classification (
    department_code text not null,
    source_name text not null,
    column_name text not null,
    raw_schema text not null,
    raw_table text not null,
    ordinal_position integer,
    data_type text,
    column_comment text,
    -- final values: the reviewer's override where there is one, else the automatic result
    entity text not null,
    category text not null,
    grade text not null check (grade in ('L1', 'L2', 'L3', 'L4')),
    gbt43697 text not null check (gbt43697 in ('一般', '重要', '核心')),
    confidence numeric(4, 3) not null check (confidence between 0 and 1),
    quasi_identifier text,
    -- the automatic result, kept beside the final values so reviewers and reports see both
    auto_entity text not null,
    auto_category text not null,
    auto_grade text not null check (auto_grade in ('L1', 'L2', 'L3', 'L4')),
    auto_gbt43697 text not null,
    auto_confidence numeric(4, 3) not null,
    auto_quasi_identifier text,
    -- masked evidence only: recognizer, header rule, share matched, masked examples (never a raw value)
    evidence jsonb not null default '{}',
    is_overridden boolean not null default false,
    override_source text check (override_source in ('review-cli', 'yaml')),
    override_reason text,
    is_reviewed boolean not null default false,
    reviewed_by text,
    reviewed_at timestamptz,
    -- the column's header or type changed after the review: the override still applies but must be re-checked
    needs_review boolean not null default false,
    -- classifying the column failed: it was recorded as L4 (fail closed); the next run retries it
    is_error boolean not null default false,
    recognizer_version text not null,
    rules_version text not null,
    column_signature text not null,
    sample_size integer not null default 0,
    crawl_run_id bigint not null,
    classified_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (department_code, source_name, column_name)
);
comment on table governance.field_classification is
    '字段分类分级: one current row per harvested column; final values include reviewer overrides';

create table if not exists governance.table_classification (
    department_code text not null,
    source_name text not null,
    raw_schema text not null,
    raw_table text not null,
    grade text not null check (grade in ('L1', 'L2', 'L3', 'L4')),
    gbt43697 text not null check (gbt43697 in ('一般', '重要', '核心')),
    -- the quasi-identifier combination (rules) that raised the grade, or null
    raised_by text,
    highest_fields text [] not null default '{}',
    reasons jsonb not null default '[]',
    field_count integer not null,
    personal_field_count integer not null,
    needs_review_count integer not null default 0,
    row_count bigint,
    crawl_run_id bigint not null,
    classified_at timestamptz not null default now(),
    primary key (department_code, source_name)
);
comment on table governance.table_classification is
    '表分级: highest final field grade, raised one level where quasi-identifiers combine';

create table if not exists governance.classification_override (
    department_code text not null,
    source_name text not null,
    column_name text not null,
    -- override: the given values replace the automatic ones; confirm: the reviewer pinned the values shown
    decision text not null check (decision in ('override', 'confirm')),
    entity text,
    category text,
    grade text check (grade in ('L1', 'L2', 'L3', 'L4')),
    gbt43697 text check (gbt43697 in ('一般', '重要', '核心')),
    reason text not null,
    reviewed_by text not null,
    reviewed_at timestamptz not null default now(),
    source text not null check (source in ('review-cli', 'yaml')),
    -- for YAML entries: hash of the entry, so an unchanged entry is not re-applied (and re-audited) every run
    source_ref text,
    -- column signature the reviewer saw; when the current one differs the override needs re-review
    reviewed_signature text,
    -- signature for which the re-review flag was raised and audited (so it is audited once per change)
    flagged_signature text,
    primary key (department_code, source_name, column_name)
);
comment on table governance.classification_override is
    '人工复核: reviewer decisions, kept across crawls; they always win over the automatic result';

create table if not exists governance.classification_audit (
    audit_id bigserial primary key,
    changed_at timestamptz not null default now(),
    changed_by text not null,
    department_code text not null,
    source_name text not null,
    column_name text not null,
    action text not null check (
        action in ('override', 'confirm', 'clear', 'yaml_override', 'yaml_removed', 'needs_review')
    ),
    before jsonb,
    after jsonb,
    reason text,
    source text not null check (source in ('review-cli', 'yaml', 'classify'))
);
comment on table governance.classification_audit is
    '分类分级留痕: append-only record of every reviewer decision and re-review flag (who, when, before, after, why)';
create index if not exists classification_audit_column
    on governance.classification_audit (department_code, source_name, column_name);

-- append-only: an audit trail that can be edited proves nothing
create or replace function governance.audit_is_append_only() returns trigger
language plpgsql as $$
begin
    raise exception 'governance.classification_audit is append-only (% refused)', tg_op;
end;
$$;
create or replace trigger classification_audit_append_only
    before update or delete on governance.classification_audit
    for each row execute function governance.audit_is_append_only();
