select
    crawl_run_id,
    department_code,
    source_name,
    column_name,
    ordinal_position,
    data_type,
    is_nullable,
    nullif(trim(column_comment), '') as column_comment,
    is_primary_key
from {{ source('meta', 'harvested_column') }}
