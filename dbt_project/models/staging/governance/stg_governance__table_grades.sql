-- Table grades from the classification stage, or no rows before it has run.
{% if relation_exists('governance', 'table_classification') %}
    select
        department_code,
        source_name,
        grade
    from {{ source('governance', 'table_classification') }}
{% else %}
    select
        null::text as department_code,
        null::text as source_name,
        null::text as grade
    where false
{% endif %}
