-- The latest completed crawl of each department: a department whose system is down keeps the
-- catalog of its last good crawl instead of losing its resources.
select distinct on (department_code)
    crawl_run_id,
    department_code,
    finished_at
from {{ ref('stg_meta__crawl_runs') }}
where is_completed
order by department_code asc, crawl_run_id desc
