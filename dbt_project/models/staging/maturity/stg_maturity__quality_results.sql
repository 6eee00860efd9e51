-- Great Expectations results per run, or no rows before the quality stage has run.
{% if relation_exists('governance', 'quality_result') %}
    select
        run_id,
        checked_at,
        department_code,
        resource_code,
        source_name,
        expectation_key,
        expectation_type,
        column_name,
        dimension,
        severity,
        success,
        element_count,
        unexpected_count,
        examples,
        error
    from {{ source('quality', 'quality_result') }}
{% else %}
    select
        null::text as run_id,
        null::timestamptz as checked_at,
        null::text as department_code,
        null::text as resource_code,
        null::text as source_name,
        null::text as expectation_key,
        null::text as expectation_type,
        null::text as column_name,
        null::text as dimension,
        null::text as severity,
        null::boolean as success,
        null::bigint as element_count,
        null::bigint as unexpected_count,
        null::text [] as examples,
        null::text as error
    where false
{% endif %}
