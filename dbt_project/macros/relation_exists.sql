{#- Whether a table exists in the warehouse: lets the catalog use a later stage's output when it is there. -#}
{% macro relation_exists(schema, identifier) -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(database=target.database, schema=schema, identifier=identifier) -%}
        {{ return(relation is not none) }}
    {%- else -%}
        {{ return(false) }}
    {%- endif -%}
{%- endmacro %}
