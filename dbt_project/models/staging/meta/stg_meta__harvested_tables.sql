select
    crawl_run_id,
    department_code,
    source_name,
    source_kind,
    source_schema,
    source_table,
    file_name,
    sheet_name,
    table_comment,
    primary_key,
    row_count,
    last_modified_at,
    update_column,
    raw_schema,
    raw_table,
    snapshot_mode,
    coalesce(object_type, case when source_kind = 'file' then 'file' else 'table' end) as object_type
from {{ source('meta', 'harvested_table') }}
