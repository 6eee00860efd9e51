-- The defects a department can fix: each fix_key of the evidence with what it names (table, column, check,
-- bad rows) and the indicators it fails. Scoring without it (int_maturity_scenarios) prices it.
select
    department_code,
    fix_key,
    min(resource_code) as resource_code,
    min(table_name) as table_name,
    min(column_name) as column_name,
    -- a quality check fails Q1 and one of Q2–Q4 under the same key: name it once
    min(check_name) as check_name,
    max(bad_row_count) as bad_row_count,
    max(examples) as examples,
    array_agg(distinct indicator_code order by indicator_code) as indicator_codes
from {{ ref('int_maturity_evidence') }}
where fix_key is not null
group by department_code, fix_key
