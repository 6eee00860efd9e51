select * from {{ source('catalog_config', 'department') }}
