select * from {{ source('catalog_config', 'policy') }}
