{#- A key (ID number, 统一社会信用代码, …) as it is compared across tables: full-width digits and letters as
    ASCII, spaces and dashes removed, upper case. The SQL side of classify/normalize.py for identifiers
    (tests/unit/test_normalize_key_macro.py keeps the two in step). -#}
{% macro normalize_key(expr) -%}
    upper(regexp_replace(translate({{ expr }}::text, '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), '[-‐‑‒–—−－ー　[:space:]]', '', 'g'))
{%- endmacro %}
