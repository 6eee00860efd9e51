select * from {{ source('catalog_config', 'data_item') }}
