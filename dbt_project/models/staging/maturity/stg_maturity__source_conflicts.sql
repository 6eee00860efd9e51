-- 一数一源 comparisons per copy and data item (records compared, conflicts), or none before the first check.
{% if relation_exists('catalog', 'source_conflict_summary') %}
    select
        authoritative_department,
        copy_department,
        copy_resource_code,
        copy_source_name,
        data_item,
        records_compared,
        conflicts
    from {{ source('catalog_conflicts', 'source_conflict_summary') }}
{% else %}
    select
        null::text as authoritative_department,
        null::text as copy_department,
        null::text as copy_resource_code,
        null::text as copy_source_name,
        null::text as data_item,
        null::bigint as records_compared,
        null::bigint as conflicts
    where false
{% endif %}
