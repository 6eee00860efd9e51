-- 每月各助产机构新生儿数: births per month and per issuing hospital, from the 出生医学证明 records.
-- A curated open dataset (config/open_data.yaml `datasets:`): aggregated, no personal data; the publication
-- stage still scans it and checks it against the source's personal columns before it is served.
-- Without the source (a deployment whose 卫健委 is not crawled yet) it is empty, and publication says so.
{% if relation_exists('raw_wsjkw', 'csyxzm') %}
    select
        to_char(xsecssj, 'YYYY-MM') as stat_month,
        coalesce(nullif(trim(qfjg), ''), '未注明') as institution,
        count(*)::integer as births
    from {{ source('raw_wsjkw', 'csyxzm') }}
    where xsecssj is not null
    group by 1, 2
{% else %}
    select
        null::text as stat_month,
        null::text as institution,
        null::integer as births
    where false
{% endif %}
