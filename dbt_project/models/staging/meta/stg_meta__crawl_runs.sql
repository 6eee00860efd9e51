select
    crawl_run_id,
    department_code,
    run_id,
    status,
    started_at,
    finished_at,
    error_message,
    status in ('success', 'partial') as is_completed
from {{ source('meta', 'crawl_run') }}
