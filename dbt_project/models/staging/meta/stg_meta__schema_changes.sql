select
    schema_change_id,
    crawl_run_id,
    department_code,
    source_name,
    column_name,
    change_type,
    old_value,
    new_value,
    detected_at
from {{ source('meta', 'schema_change') }}
