-- The scalar settings of config/pdmm.yaml in one row: caps, severity weights, C2's field count.
select
    max(value) filter (where name = 'pdmm_above_weakest_dimension')::integer as above_weakest_dimension,
    max(value) filter (where name = 'pdmm_leak_max_level')::integer as leak_max_level,
    max(value) filter (where name = 'pdmm_catalog_mandatory_fields')::integer as catalog_mandatory_fields,
    max(value) filter (where name = 'pdmm_severity_weight_critical')::numeric as critical_weight,
    max(value) filter (where name = 'pdmm_severity_weight_warning')::numeric as warning_weight,
    max(value) filter (where name = 'pdmm_severity_weight_info')::numeric as info_weight
from {{ source('pdmm_config', 'settings') }}
