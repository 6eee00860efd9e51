select * from {{ source('catalog_config', 'settings') }}
