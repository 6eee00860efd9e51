-- Registered data demands per department (O3), answered or not.
select
    department_code,
    title,
    is_answered
from {{ source('pdmm_config', 'pdmm_demand') }}
