"""Identifier rules of the quality checks: the classifier's validators and their PostgreSQL twins, from one spec.

Each rule is the classifier's answer for one structured cell — ``validators.<name>(normalize_value(cell))`` —
and a PL/pgSQL function ``quality.is_<name>(text)`` generated here from the same constants (check-digit
weights and alphabets, stdnum's table of 行政区划 codes, phonenumbers' CN number patterns), so the check runs
inside PostgreSQL on whole tables. tests/integration/test_quality_rules.py runs both on the same values.
Known gap: Python's ``str.isdigit`` also accepts non-ASCII digits (², ٣) that the SQL twin rejects; such a
value is no identifier either way, and the classifier never sees one (its patterns are ASCII).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from govdata.classify import validators
from govdata.classify.normalize import to_half_width

#: GB 11643 check characters by ``(1 - Σ dᵢ·2^(17-i)) mod 11`` (stdnum.cn.ric's base-13 form).
RIC_CHECK = "".join("X" if v == 10 else str(v) for v in range(11))
#: GB 32100 alphabet (no I, O, Z, S, V); a character's value is its index.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_AUTHORITIES = "123456789ANY"
#: phonenumbers' number types that are checked before fixed line and mobile: a number matching one of
#: these is of that type, hence not a mobile number (phonenumbers.phonenumberutil._number_type order).
_TYPES_BEFORE_MOBILE = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


@dataclass(frozen=True)
class IdentifierRule:
    """One identifier's validity: the Python validator it mirrors and the SQL function that is its twin."""

    entity: str
    validator: str
    function: str
    label: str

    def is_valid(self, value: str) -> bool:
        """The classifier's verdict on one structured cell (normalised first, as the classifier does)."""
        return is_valid(self.validator, value)


RULES: dict[str, IdentifierRule] = {
    rule.entity: rule
    for rule in (
        IdentifierRule("CN_RESIDENT_ID", "cn_resident_id", "quality.is_cn_resident_id", "居民身份证号校验"),
        IdentifierRule("CN_USCC", "cn_uscc", "quality.is_cn_uscc", "统一社会信用代码校验"),
        IdentifierRule("CN_MOBILE", "cn_mobile", "quality.is_cn_mobile", "手机号格式"),
        IdentifierRule("CN_DIVISION_CODE", "cn_division_code", "quality.is_cn_division_code", "行政区划代码"),
    )
}


def cn_division_code(text: str) -> bool:
    """行政区划代码: six digits that stdnum's division table knows (any period), as ``region_exists`` reads it."""
    return validators.region_exists(text)


def _validator(name: str) -> Callable[[str], bool]:
    if name == "cn_division_code":
        return cn_division_code
    return validators.VALIDATORS[name]


def is_valid(validator: str, value: str) -> bool:
    """``validator(normalize_value(value))``; a value the validator cannot even parse is invalid.

    stdnum raises ValueError for a character outside its alphabet (``9144030#…``): the classifier never
    passes one (its patterns are stricter), a quality check must answer for any cell.
    """
    from govdata.classify.normalize import normalize_value

    try:
        return _validator(validator)(normalize_value(value))
    except (ValueError, KeyError, IndexError):
        return False


# -- the SQL twins -------------------------------------------------------------------------------------------


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _unicode_whitespace() -> str:
    """What Python's ``str.strip()`` removes, after to_half_width (which turned some of it into spaces)."""
    return "".join(chr(c) for c in range(0x3001) if chr(c).isspace() and to_half_width(chr(c)) == chr(c))


def _half_width_pairs() -> tuple[str, str]:
    from govdata.classify.normalize import _FULL_WIDTH

    source = "".join(chr(k) for k in sorted(_FULL_WIDTH))
    target = "".join(chr(_FULL_WIDTH[k]) for k in sorted(_FULL_WIDTH))
    return source, target


@cache
def division_codes() -> tuple[tuple[str, str, str], ...]:
    """Every 6-digit code ``validators.region_exists`` accepts, with its province and county name (stdnum's table)."""
    from stdnum import numdb

    out: list[tuple[str, str, str]] = []
    for _, low, high, props, children in numdb.get("cn/loc").prefixes:
        if not props.get("province"):
            continue
        for first in range(int(low), int(high) + 1):
            for _, clow, chigh, cprops, _ in children:
                if not cprops.get("county"):
                    continue
                for rest in range(int(clow), int(chigh) + 1):
                    out.append((f"{first:02d}{rest:04d}", props["province"], cprops["county"]))
    return tuple(sorted(set(out)))


@cache
def province_codes() -> tuple[str, ...]:
    """The 2-digit codes ``validators.province_exists`` accepts (10 = central organs, in a USCC)."""
    from stdnum import numdb

    codes = {"10"}
    for _, low, high, props, _ in numdb.get("cn/loc").prefixes:
        if props.get("province"):
            codes.update(f"{c:02d}" for c in range(int(low), int(high) + 1))
    return tuple(sorted(codes))


def mobile_patterns() -> tuple[str, tuple[str, ...]]:
    """The CN mobile pattern of phonenumbers' metadata and the patterns of the types checked before it."""
    import phonenumbers

    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    if metadata is None or metadata.mobile is None or metadata.mobile.national_number_pattern is None:
        raise RuntimeError("phonenumbers has no CN mobile pattern")
    before = []
    for name in _TYPES_BEFORE_MOBILE:
        desc = getattr(metadata, name)
        if desc is not None and desc.national_number_pattern:
            before.append(desc.national_number_pattern)
    return metadata.mobile.national_number_pattern, tuple(before)


def _weighted_sum(weights: list[int], value_of: Callable[[int], str]) -> str:
    return " + ".join(f"{value_of(i)} * {w}" for i, w in enumerate(weights))


def _resident_id_function() -> str:
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    total = _weighted_sum(weights, lambda i: f"substr(n, {i + 1}, 1)::int")
    return f"""
create or replace function quality.birth_date_ok(y int, m int, d int) returns boolean
language plpgsql stable strict parallel safe as $$
begin
    -- validators._date_ok: a real date between 1900-01-01 and today
    if y < 1900 or m < 1 or m > 12 or d < 1 or d > 31 then
        return false;
    end if;
    if d > extract(day from make_date(y, m, 1) + interval '1 month' - interval '1 day') then
        return false;
    end if;
    return make_date(y, m, d) <= current_date;
end $$;

create or replace function quality.is_cn_resident_id(value text) returns boolean
language plpgsql stable strict parallel safe as $$
declare
    n text := upper(quality.normalize_value(value));
begin
    -- validators.cn_resident_id: GB 11643 check character, birth date, region; or the legacy 15 digits
    if n ~ '^[0-9]{{17}}[0-9X]$' then
        if substr({_sql_text(RIC_CHECK)}, (((1 - ({total})) % 11) + 11) % 11 + 1, 1) <> substr(n, 18, 1) then
            return false;
        end if;
        if not quality.birth_date_ok(substr(n, 7, 4)::int, substr(n, 11, 2)::int, substr(n, 13, 2)::int) then
            return false;
        end if;
        return exists (select 1 from quality.division_code c where c.code = substr(n, 1, 6));
    end if;
    if n ~ '^[0-9]{{15}}$' then
        if not quality.birth_date_ok(1900 + substr(n, 7, 2)::int, substr(n, 9, 2)::int, substr(n, 11, 2)::int) then
            return false;
        end if;
        return exists (select 1 from quality.division_code c where c.code = substr(n, 1, 6));
    end if;
    return false;
end $$;
"""


def _uscc_function() -> str:
    weights = [pow(3, i, 31) for i in range(17)]
    alphabet = _sql_text(USCC_ALPHABET)
    total = _weighted_sum(weights, lambda i: f"(strpos({alphabet}, substr(n, {i + 1}, 1)) - 1)")
    letters = "0-9A-HJ-NP-RTUWXY"  # USCC_ALPHABET as a bracket expression
    assert set(USCC_ALPHABET) == {c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "IOZSV"}
    provinces = ", ".join(_sql_text(p) for p in province_codes())
    return f"""
create or replace function quality.is_cn_uscc(value text) returns boolean
language plpgsql immutable strict parallel safe as $$
declare
    n text := upper(quality.normalize_value(value));
begin
    -- validators.cn_uscc: authority, class, province, no I/O/Z/S/V, GB 32100 mod-31 check character
    if n !~ '^[{USCC_AUTHORITIES}][0-9][0-9]{{6}}[{letters}]{{10}}$' then
        return false;
    end if;
    if substr(n, 3, 2) <> all (array[{provinces}]) then
        return false;
    end if;
    return substr({alphabet}, ((31 - ({total}) % 31) % 31) + 1, 1) = substr(n, 18, 1);
end $$;
"""


def _mobile_function() -> str:
    mobile, before = mobile_patterns()
    others = "".join(
        f"\n    if d ~ {_sql_text('^(?:' + p + ')$')} then\n        return false;\n    end if;" for p in before
    )
    return f"""
create or replace function quality.is_cn_mobile(value text) returns boolean
language plpgsql immutable strict parallel safe as $$
declare
    d text := regexp_replace(quality.normalize_value(value), '[^0-9]', '', 'g');
begin
    -- validators.cn_mobile: 11 digits (after +86) that phonenumbers' CN metadata calls mobile
    if d ~ '^86' and length(d) = 13 then
        d := substr(d, 3);
    end if;
    if d !~ '^1[0-9]{{10}}$' then
        return false;
    end if;{others}
    return d ~ {_sql_text("^(?:" + mobile + ")$")};
end $$;
"""


def _normalize_function() -> str:
    source, target = _half_width_pairs()
    return f"""
create or replace function quality.normalize_value(value text) returns text
language plpgsql immutable strict parallel safe as $$
declare
    h text := btrim(translate(value, {_sql_text(source)}, {_sql_text(target)}), {_sql_text(_unicode_whitespace())});
begin
    -- classify.normalize.normalize_value: half-width, trimmed, no spaces or dashes inside an identifier
    if h ~ '[ -]' and h ~ '[0-9]' and h ~ '^[0-9A-Za-z -]+$' then
        return regexp_replace(h, '[ -]+', '', 'g');
    end if;
    return h;
end $$;
"""


def _division_rows() -> Iterator[str]:
    for code, province, county in division_codes():
        yield f"({_sql_text(code)}, {_sql_text(province)}, {_sql_text(county)})"


def functions_ddl() -> str:
    """DDL of ``quality.division_code`` (stdnum's table) and the rule functions; idempotent, versioned by its hash."""
    rows = ",\n".join(_division_rows())
    return f"""-- generated by govdata.quality.rules from the classifier's validators: do not edit
create schema if not exists quality;
create table if not exists quality.division_code (
    code text primary key,
    province text not null,
    county text not null
);
comment on table quality.division_code is '行政区划代码 (any period), from python-stdnum: what the classifier accepts';
delete from quality.division_code;
insert into quality.division_code (code, province, county) values
{rows};
{_normalize_function()}
{_resident_id_function()}
{_uscc_function()}
{_mobile_function()}
create or replace function quality.is_cn_division_code(value text) returns boolean
language sql stable strict parallel safe as $$
    select exists (select 1 from quality.division_code c where c.code = quality.normalize_value(value))
$$;
"""


def sql_check(entity: str, column_sql: str) -> str:
    """The SQL boolean expression that says whether ``column_sql`` holds a valid ``entity`` (NULL for NULL)."""
    return f"{RULES[entity].function}({column_sql}::text)"
