select * from {{ source('catalog_config', 'duty_item') }}
