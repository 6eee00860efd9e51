-- One line per dataset per publication run with its leak-guard result, or none before publication.
{% if relation_exists('publish', 'publication_log') %}
    select
        log_id,
        logged_at,
        run_id,
        dataset_id,
        outcome,
        leak_guard,
        coalesce((leak_guard ->> 'ok')::boolean, true) as is_leak_guard_ok
    from {{ source('publish', 'publication_log') }}
{% else %}
    select
        null::bigint as log_id,
        null::timestamptz as logged_at,
        null::text as run_id,
        null::text as dataset_id,
        null::text as outcome,
        null::jsonb as leak_guard,
        null::boolean as is_leak_guard_ok
    where false
{% endif %}
