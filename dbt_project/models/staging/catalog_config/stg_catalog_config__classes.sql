select * from {{ source('catalog_config', 'class') }}
