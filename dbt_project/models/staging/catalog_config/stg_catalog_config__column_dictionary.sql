select * from {{ source('catalog_config', 'column_dictionary') }}
