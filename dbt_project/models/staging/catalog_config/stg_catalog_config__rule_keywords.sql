select * from {{ source('catalog_config', 'rule_keyword') }}
