{#- The body of the restricted view source_conflict_candidates: for every comparison of
    source_comparison, the copy's records whose key matches the source and whose value is none of the
    source's values for that key, plus how many records were compared.

    Each holder table is read once, its key normalised once, whatever number of comparisons use it.
    Nulls on either side are gaps (completeness), not disagreements; a source holding a key twice (a
    duplicate-key defect) is agreed with by either of its values. A comparison without a conflict
    still gives one row (key_value null) carrying its records_compared. -#}
{% macro source_conflict_candidates(comparisons_relation) -%}
    {%- set comparisons = [] -%}
    {%- if execute -%}
        {%- set result = run_query(
            "select comparison_id, source_raw_schema, source_raw_table, source_key_column, source_column,"
            ~ " copy_raw_schema, copy_raw_table, copy_key_column, copy_column from "
            ~ comparisons_relation ~ " order by comparison_id"
        ) -%}
        {%- for row in result.rows -%}{%- do comparisons.append(row) -%}{%- endfor -%}
    {%- endif -%}
    {#- holders: (schema, table, key column) → the value columns the comparisons read from it -#}
    {%- set holders = {} -%}
    {%- for c in comparisons -%}
        {%- for side in [[c[1], c[2], c[3], c[4]], [c[5], c[6], c[7], c[8]]] -%}
            {%- set hkey = side[0] ~ '.' ~ side[1] ~ '.' ~ side[2] -%}
            {%- if hkey not in holders -%}
                {%- do holders.update({hkey: {'schema': side[0], 'table': side[1], 'key': side[2],
                                              'name': 'holder_' ~ (holders | length + 1), 'columns': []}}) -%}
            {%- endif -%}
            {%- if side[3] not in holders[hkey]['columns'] -%}
                {%- do holders[hkey]['columns'].append(side[3]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if holders %}
with
{% for h in holders.values() %}
{{ h['name'] }} as materialized (
    select
        {{ normalize_key(adapter.quote(h['key'])) }} as k
        {%- for column in h['columns'] %},
        btrim({{ adapter.quote(column) }}::text) as v{{ loop.index }}
        {%- endfor %}
    from {{ api.Relation.create(database=target.database, schema=h['schema'], identifier=h['table']) }}
    where {{ adapter.quote(h['key']) }} is not null
){{ "," if not loop.last }}
{% endfor %}
    {%- endif %}
select
    null::bigint as comparison_id,
    null::bigint as records_compared,
    null::text as key_value,
    null::text as copy_value,
    null::text as source_value
where false
{%- for c in comparisons %}
    {%- set src = holders[c[1] ~ '.' ~ c[2] ~ '.' ~ c[3]] -%}
    {%- set cpy = holders[c[5] ~ '.' ~ c[6] ~ '.' ~ c[7]] -%}
    {%- set sv = 'v' ~ (src['columns'].index(c[4]) + 1) -%}
    {%- set cv = 'v' ~ (cpy['columns'].index(c[8]) + 1) %}
union all
(
    with compared as (
        select c.k, c.{{ cv }} as v
        from {{ cpy['name'] }} as c
        where
            c.{{ cv }} is not null
            and exists (select 1 from {{ src['name'] }} as s where s.k = c.k and s.{{ sv }} is not null)
    )

    select
        {{ c[0] }}::bigint as comparison_id,
        (select count(*) from compared) as records_compared,
        d.k as key_value,
        d.v as copy_value,
        (select min(s.{{ sv }}) from {{ src['name'] }} as s where s.k = d.k) as source_value
    from (
        select distinct compared.k, compared.v from compared
        where not exists (
            select 1 from {{ src['name'] }} as s where s.k = compared.k and s.{{ sv }} = compared.v
        )
    ) as d
    right join (select 1) as one on true
)
{%- endfor %}
{%- endmacro %}
