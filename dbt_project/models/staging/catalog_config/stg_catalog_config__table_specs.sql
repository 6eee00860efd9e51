select * from {{ source('catalog_config', 'table_spec') }}
