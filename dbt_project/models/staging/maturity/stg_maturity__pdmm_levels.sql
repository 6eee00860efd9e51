-- Level bands: each level from its lowest total score (config/pdmm.yaml).
select
    level,
    level_name,
    min_score
from {{ source('pdmm_config', 'pdmm_level') }}
