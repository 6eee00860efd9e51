-- PDMM indicators with their dimension and weights (config/pdmm.yaml).
select
    dimension_code,
    dimension_name,
    dimension_weight,
    dimension_order,
    indicator_code,
    indicator_name,
    indicator_weight,
    indicator_order,
    method,
    penalty,
    zeroes_dimension,
    definition
from {{ source('pdmm_config', 'pdmm_indicator') }}
