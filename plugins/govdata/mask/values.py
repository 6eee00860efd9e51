"""Masks of single values by entity (身份证号, 手机号, 姓名, 地址 …): small pure functions and their dispatcher.

Each function takes one non-empty value and returns it masked; ``mask_value`` picks the function and its
parameters from a policy of config/masking.yaml. Whatever a function cannot parse (a malformed ID, an address
without a known division) is starred whole: masking fails closed, it never passes a value through.

The name and address parsers of ``govdata.classify`` are imported inside the functions: classify imports
this module for its evidence, and importing classify here at module level would make a circle.
"""

from __future__ import annotations

import re
from math import ceil
from typing import TYPE_CHECKING

from govdata import config

if TYPE_CHECKING:
    from govdata.classify.addresses import Component

MASK = "*"

_SEPARATORS = re.compile(r"[\s\-]+")
_COUNTRY_CODE = re.compile(r"^(?:\+|00)86(?=1\d{10}$)")  # +86 before a mobile number
_RESIDENT_ID = re.compile(r"\d{17}[\dX]|\d{15}")
_YEAR = re.compile(r"(?:18|19|20)\d{2}")
_NAME_SEPARATORS = "·•.．"
_ADMIN_ORDER = {"province": 0, "prefecture": 1, "district": 2}

#: Legal forms at the end of an organisation's name, the more specific first: kept, they say what kind of body it is.
ORG_FORMS = (
    "股份有限公司", "有限责任公司", "农民专业合作社", "个人独资企业", "普通合伙企业", "有限合伙企业", "有限公司",
    "分公司", "合伙企业", "合作社", "个体工商户", "集团", "公司", "工作室", "事务所", "研究院", "研究所", "中心",
    "医院", "诊所", "学校", "幼儿园", "协会", "商行", "经营部", "门市部", "超市", "店", "厂", "馆",
)  # fmt: skip


def redact(text: str, first: int = 0) -> str:
    """Every character starred, the first kept when asked and the value has more than one."""
    keep = text[:first] if len(text) > 1 else ""
    return keep + MASK * (len(text) - len(keep))


def _identifier(text: str) -> str:
    """An identifier as written without formatting: half-width, no spaces or dashes (１３８-１２３４ → 1381234)."""
    from govdata.classify.normalize import to_half_width

    return _SEPARATORS.sub("", to_half_width(text))


def keep_ends(text: str, first: int, last: int) -> str:
    """The first and last characters of an identifier kept: 13812345678 → 138****5678, 粤B12345 → 粤B***45.

    At least a third of the characters are always starred: a value too short for ``first + last`` keeps
    only its first character (four or more) or nothing.
    """
    value = _COUNTRY_CODE.sub("", _identifier(text))
    hidden = len(value) - first - last
    if hidden < max(1, ceil(len(value) / 3)):
        return redact(value, first=1 if len(value) >= 4 else 0)
    return value[:first] + MASK * hidden + (value[len(value) - last :] if last else "")


def resident_id(text: str, region: bool = True, birth_year: bool = False, last: int = 4) -> str:
    """居民身份证号 with its region code (6), birth year and last ``last`` characters kept as asked.

    110101199003071234 → 110101********1234. A value that is not 18 (or the old 15) characters of an ID is
    starred whole: it may be anything.
    """
    value = _identifier(text).upper()
    if not _RESIDENT_ID.fullmatch(value):
        return redact(value)
    kept = set(range(6)) if region else set()
    if birth_year:
        kept |= set(range(6, 10 if len(value) == 18 else 8))
    kept |= set(range(len(value) - last, len(value)))
    return "".join(ch if i in kept else MASK for i, ch in enumerate(value))


def person_name(text: str) -> str:
    """A name's surname kept and its given name starred: 张三 → 张*, 欧阳娜娜 → 欧阳**.

    Surnames (compound ones first) are those of the classifier's surname table. A name without a known
    surname, a minority name (阿依古丽·买买提) or a non-Chinese one keeps its first character only.
    """
    from govdata.classify.names import load_surnames

    value = "".join(text.split())
    if len(value) <= 1:
        return redact(value)
    if any(sep in value for sep in _NAME_SEPARATORS):
        return value[0] + "".join(ch if ch in _NAME_SEPARATORS else MASK for ch in value[1:])
    parts = load_surnames().split(value)
    if parts and parts[1]:
        return parts[0] + MASK * len(parts[1])
    return value[0] + MASK * (len(value) - 1)


def address(text: str, level: str = "district", marker: str = "") -> str:
    """An address cut after its division at ``level``: 广东省深圳市南山区科技园路1号 → 广东省深圳市南山区.

    Only the leading divisions the parser recognises are kept, never the street. An address that is no
    more than its divisions (深圳市南山区) loses its last one (深圳市): the result is always less than the
    input. Nothing recognisable → starred whole.
    """
    from govdata.classify.addresses import iter_components

    value = text.strip()
    limit = _ADMIN_ORDER[level]
    kept: list[Component] = []
    for comp in iter_components(value):
        order = _ADMIN_ORDER.get(comp.level)
        previous_end = kept[-1].end if kept else 0
        if order is None or order > limit or value[previous_end : comp.start].strip():
            break
        if kept and order < _ADMIN_ORDER[kept[-1].level]:
            break  # a province after a district starts another address
        kept.append(comp)
    if kept and not value[kept[-1].end :].strip():
        kept.pop()  # nothing below the divisions: cut one more level
    if not kept:
        return redact(value)
    return "".join(c.text for c in kept) + marker


def birth_date(text: str, output: str = "masked") -> str:
    """A date with only its year left: 1990-03-07 → 1990-**-** (``masked``) or 1990 (``year``).

    A value that does not start with a year (18xx–20xx) is starred whole.
    """
    from govdata.classify.normalize import to_half_width

    value = to_half_width(text).strip()
    match = _YEAR.match(value)
    if not match:
        return redact(value)
    if output == "year":
        return match.group()
    return match.group() + re.sub(r"\d", MASK, value[match.end() :])


def email(text: str, domain: bool = True) -> str:
    """The mailbox's first character and the domain: zhangsan@example.cn → z***@example.cn."""
    value = text.strip()
    local, at, host = value.rpartition("@")
    if not at or not local or not host:
        return redact(value)
    if not domain:
        name, dot, tld = host.rpartition(".")
        host = (MASK * 3 + dot + tld) if dot else MASK * 3
    return local[0] + MASK * 3 + "@" + host


def ip_address(text: str, keep: int = 2) -> str:
    """An IP address with its first ``keep`` groups: 192.168.10.23 → 192.168.*.*, 2001:db8:… → 2001:db8:*:…."""
    value = text.strip()
    sep = "." if value.count(".") == 3 else ":" if ":" in value else ""
    if not sep:
        return redact(value)
    groups = value.split(sep)
    return sep.join(g if i < keep else MASK for i, g in enumerate(groups))


def organization(text: str) -> str:
    """An organisation's leading place and legal form kept, its trade name starred: 深圳市****有限公司."""
    from govdata.classify.addresses import iter_components

    value = text.strip()
    prefix_end = 0
    for comp in iter_components(value):
        if comp.level not in _ADMIN_ORDER or comp.start != prefix_end:
            break
        prefix_end = comp.end
    form = next((f for f in ORG_FORMS if value.endswith(f)), "")
    middle = len(value) - prefix_end - len(form)
    if middle < 1:
        return redact(value, first=1)
    return value[:prefix_end] + MASK * middle + form


def apply_rule(rule: config.MaskRule, text: str) -> str:
    """One rule of a policy applied to one stripped, non-empty value."""
    match rule:
        case config.KeepRule():
            return text
        case config.RedactRule(first=first):
            return redact(text, first)
        case config.KeepEndsRule(first=first, last=last):
            return keep_ends(text, first, last)
        case config.ResidentIdRule(region=region, birth_year=year, last=last):
            return resident_id(text, region, year, last)
        case config.PersonNameRule():
            return person_name(text)
        case config.AddressRule(level=level, marker=marker):
            return address(text, level, marker)
        case config.BirthDateRule(output=output):
            return birth_date(text, output)
        case config.EmailRule(domain=domain):
            return email(text, domain)
        case config.IpRule(keep=keep):
            return ip_address(text, keep)
        case config.OrganizationRule():
            return organization(text)
    return redact(text)  # a rule this code does not know: fail closed


def _may_return_input(rule: config.MaskRule) -> bool:
    """Rules whose result may equal their input: keep, and a bare year asked for as a year."""
    return isinstance(rule, config.KeepRule) or (isinstance(rule, config.BirthDateRule) and rule.output == "year")


def mask_value(entity: str, value: str | None, policy: config.MaskPolicy) -> str | None:
    """One value of an entity masked as the policy says; an entity the policy does not name gets its fallback.

    None stays None and a blank value stays blank (nothing to hide); any other result differs from its
    input unless the rule keeps the value on purpose.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return text
    rule = policy.entities.get(entity, policy.fallback)
    if isinstance(rule, config.KeepRule):
        return value
    masked = apply_rule(rule, text)
    if masked == text and not _may_return_input(rule):
        return redact(text)
    return masked
