-- Field classifications from the classification stage, or no rows before it has run.
{% if relation_exists('governance', 'field_classification') %}
    select
        department_code,
        source_name,
        column_name,
        entity,
        category,
        grade,
        is_reviewed
    from {{ source('governance', 'field_classification') }}
{% else %}
    select
        null::text as department_code,
        null::text as source_name,
        null::text as column_name,
        null::text as entity,
        null::text as category,
        null::text as grade,
        null::boolean as is_reviewed
    where false
{% endif %}
