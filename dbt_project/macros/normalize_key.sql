{#- A key (ID number, 统一社会信用代码, …) as it is compared across tables: full-width digits and letters as
    ASCII, spaces and dashes removed, upper case. The SQL side of classify/normalize.py for identifiers
    (tests/unit/test_normalize_key_macro.py keeps the two in step).

    translate() is only called on a value holding a full-width letter or digit: PostgreSQL's translate
    scans its 62-character list for every character of the value (~7 µs for an ID number), the class
    test costs a tenth of that, and a value without one of those characters is the same either way. -#}
{% macro normalize_key(expr) -%}
    upper(regexp_replace(
        case when {{ expr }}::text ~ '[０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ]'
            then translate({{ expr }}::text, '０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
            else {{ expr }}::text end,
        '[-‐‑‒–—−－ー　[:space:]]', '', 'g'))
{%- endmacro %}
