-- Open datasets (publish.dataset) with their columns' treatment and MQA points, or none before publication.
{% if relation_exists('publish', 'dataset') %}
    select
        dataset_id,
        department_code,
        status,
        source_resource_codes,
        columns,
        mqa_points
    from {{ source('publish', 'dataset') }}
{% else %}
    select
        null::text as dataset_id,
        null::text as department_code,
        null::text as status,
        null::text [] as source_resource_codes,
        null::jsonb as columns,
        null::integer as mqa_points
    where false
{% endif %}
