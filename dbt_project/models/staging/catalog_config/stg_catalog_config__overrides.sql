select * from {{ source('catalog_config', 'override') }}
