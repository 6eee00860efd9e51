select
    crawl_error_id,
    crawl_run_id,
    department_code,
    source_kind,
    source_name,
    error_type,
    message
from {{ source('meta', 'crawl_error') }}
