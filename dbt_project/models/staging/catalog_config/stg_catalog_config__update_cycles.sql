select * from {{ source('catalog_config', 'update_cycle') }}
