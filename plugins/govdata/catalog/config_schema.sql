-- catalog_config.*: config/departments.yaml and config/catalog.yaml as tables for the dbt models.
-- Reloaded from the YAML at every catalog build (catalog/config_tables.py); applied by
-- warehouse.ensure_schema('catalog_config', …) when this file changes: the tables hold nothing the YAML
-- does not, so a new version drops and re-creates them (dbt re-creates its views on them in the same build).
create schema if not exists catalog_config;

drop table if exists catalog_config.department cascade;
create table catalog_config.department (
    department_code text primary key,
    department_name text not null,
    short_name text,
    org_code text,
    contact_name text,
    contact_email text,
    contact_phone text,
    source_format text,
    is_configured boolean not null
);

drop table if exists catalog_config.table_spec cascade;
create table catalog_config.table_spec (
    department_code text not null,
    table_name text not null,
    title text,
    update_cycle text not null,
    update_column text,
    provider text
);

drop table if exists catalog_config.duty_item cascade;
create table catalog_config.duty_item (
    department_code text not null,
    duty_name text not null,
    item text not null,
    table_name text,
    column_name text
);

drop table if exists catalog_config."class" cascade;
create table catalog_config."class" (
    class_code text primary key,
    lei text,
    lei_name text,
    xiang text,
    xiang_name text,
    mu text,
    mu_name text
);

drop table if exists catalog_config.rule_keyword cascade;
create table catalog_config.rule_keyword (
    rule_id text not null,
    priority integer not null,
    keyword text not null,
    class_code text not null,
    resource_type text not null
);

drop table if exists catalog_config.department_default cascade;
create table catalog_config.department_default (
    department_code text primary key,
    class_code text not null
);

drop table if exists catalog_config.policy cascade;
create table catalog_config.policy (
    grade text primary key,
    share_attribute text,
    share_condition text,
    share_method text,
    open_attribute text,
    open_condition text
);

drop table if exists catalog_config.override cascade;
create table catalog_config.override (
    department_code text not null,
    table_name text not null,
    class_code text,
    resource_type text,
    name text,
    summary text,
    share_attribute text,
    share_condition text,
    share_method text,
    open_attribute text,
    open_condition text,
    update_cycle text
);

drop table if exists catalog_config.column_dictionary cascade;
create table catalog_config.column_dictionary (
    abbreviation text primary key,
    item_name text not null
);

drop table if exists catalog_config.data_item cascade;
create table catalog_config.data_item (
    item text not null,
    synonym text not null,
    key_type text,
    key_item text,
    allow_roles boolean not null
);

drop table if exists catalog_config.update_cycle cascade;
create table catalog_config.update_cycle (
    update_cycle text primary key,
    stale_after_days integer
);

drop table if exists catalog_config.settings cascade;
create table catalog_config.settings (
    name text primary key,
    value text
);

-- config/pdmm.yaml (maturity scoring): indicators with their dimension, level bands, data demands; the caps,
-- severity weights and C2's field count are rows of settings (pdmm_*)
drop table if exists catalog_config.pdmm_indicator cascade;
create table catalog_config.pdmm_indicator (
    dimension_code text not null,
    dimension_name text not null,
    dimension_weight numeric not null,
    dimension_order integer not null,
    indicator_code text primary key,
    indicator_name text not null,
    indicator_weight numeric not null,
    indicator_order integer not null,
    method text not null,
    penalty numeric,
    zeroes_dimension boolean not null,
    definition text not null
);

drop table if exists catalog_config.pdmm_level cascade;
create table catalog_config.pdmm_level (
    level integer primary key,
    level_name text not null,
    min_score numeric not null
);

drop table if exists catalog_config.pdmm_demand cascade;
create table catalog_config.pdmm_demand (
    department_code text not null,
    title text not null,
    is_answered boolean not null
);
