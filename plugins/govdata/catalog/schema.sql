-- The catalog.* tables written by Python (the rest of catalog.* is dbt's): 一数一源 conflicts.
-- Applied by warehouse.ensure_schema('catalog', …) when this file changes.
create schema if not exists catalog;
create table if not exists catalog.source_conflict (
    conflict_id bigserial primary key,
    key_type text not null,
    key_item text not null,
    key_pseudonym text not null,
    key_masked text not null,
    data_item text not null,
    authoritative_department text not null,
    authoritative_resource_code text,
    authoritative_source_name text not null,
    authoritative_column text not null,
    authoritative_value_masked text,
    copy_department text not null,
    copy_resource_code text,
    copy_source_name text not null,
    copy_column text not null,
    copy_value_masked text
);
comment on table catalog.source_conflict is
    '一数一源冲突: records whose copy disagrees with the authoritative source (masked)';
create table if not exists catalog.source_conflict_summary (
    authoritative_department text not null,
    copy_department text not null,
    copy_resource_code text,
    copy_source_name text not null,
    data_item text not null,
    records_compared bigint not null,
    conflicts bigint not null,
    conflicts_per_10k numeric not null,
    examples jsonb not null,
    primary key (authoritative_department, copy_department, copy_source_name, data_item)
);
comment on table catalog.source_conflict_summary is
    '一数一源冲突汇总 per department pair and data item, with masked examples';
