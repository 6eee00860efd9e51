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
    {#- the authoritative side of each comparison, per key: its values and the least of them (one per source
        holder and column, however many copies are compared with it) -#}
    {%- set sources = {} -%}
    {%- for c in comparisons -%}
        {%- set src = holders[c[1] ~ '.' ~ c[2] ~ '.' ~ c[3]] -%}
        {%- set skey = src['name'] ~ '_v' ~ (src['columns'].index(c[4]) + 1) -%}
        {%- if skey not in sources -%}
            {%- do sources.update({skey: {'holder': src['name'], 'v': 'v' ~ (src['columns'].index(c[4]) + 1)}}) -%}
        {%- endif -%}
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
),
{% endfor %}
{%- for name, src in sources.items() %}
{{ name }} as materialized (
    select k, array_agg(distinct {{ src['v'] }}) as vs, min({{ src['v'] }}) as v_min
    from {{ src['holder'] }}
    where {{ src['v'] }} is not null
    group by k
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
    {%- set sname = src['name'] ~ '_v' ~ (src['columns'].index(c[4]) + 1) -%}
    {%- set cv = 'v' ~ (cpy['columns'].index(c[8]) + 1) %}
union all
(
    with compared as (
        select
            c.k,
            c.{{ cv }} as v,
            s.v_min,
            c.{{ cv }} = any(s.vs) as agrees
        from {{ cpy['name'] }} as c
        inner join {{ sname }} as s on c.k = s.k
        where c.{{ cv }} is not null
    )

    select
        {{ c[0] }}::bigint as comparison_id,
        (select count(*) from compared) as records_compared,
        d.k as key_value,
        d.v as copy_value,
        d.v_min as source_value
    from (select distinct compared.k, compared.v, compared.v_min from compared where not compared.agrees) as d
    right join (select 1) as one on true
)
{%- endfor %}
{%- endmacro %}
