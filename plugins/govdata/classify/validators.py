"""Checksum and structure validators for mainland-China identifiers, named so the YAML registry can refer to them.

Each validator takes one candidate already matched by a recognizer's pattern (normalised: half-width, no
separators) and answers whether it is a real identifier. Checks come from python-stdnum and phonenumbers
wherever they have one, so the arithmetic is not re-implemented here.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache

Validator = Callable[[str], bool]

_DIGITS = re.compile(r"\d+")


@lru_cache(maxsize=8192)
def region_exists(code: str) -> bool:
    """Whether a 6-digit administrative division code exists (in any period) in stdnum's division table.

    stdnum.cn.ric also requires the county to have existed in the birth year; real numbers were issued
    at first registration (1984 onwards for adults), so that rule rejects genuine older numbers.
    """
    from stdnum import numdb

    if len(code) != 6 or not code.isdigit():
        return False
    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and bool(parts[0][1]) and bool(parts[1][1])


@lru_cache(maxsize=64)
def province_exists(code: str) -> bool:
    """Whether a 2-digit code is a province-level division (10 = central organs, used in USCC)."""
    from stdnum import numdb

    if code == "10":
        return True
    parts = numdb.get("cn/loc").info(code + "0000")
    return bool(parts and parts[0][1])


def _date_ok(year: int, month: int, day: int) -> bool:
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= date <= datetime.date.today()


def cn_resident_id(text: str) -> bool:
    """居民身份证号 (GB 11643): 18 chars with ISO 7064 MOD 11-2 check, birth date and region; or legacy 15 digits."""
    from stdnum.cn import ric

    number = text.upper()
    if len(number) == 18:
        if not number[:17].isdigit() or number[-1] != ric.calc_check_digit(number):
            return False
        if not _date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return False
        return region_exists(number[:6])
    if len(number) == 15:
        # legacy numbers (before 1999): region + YYMMDD (19YY) + sequence, no check digit
        if not number.isdigit():
            return False
        if not _date_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])):
            return False
        return region_exists(number[:6])
    return False


#: GB 32100 registration-authority codes (first character of a USCC).
_USCC_AUTHORITIES = frozenset("123456789ANY")


def cn_uscc(text: str) -> bool:
    """统一社会信用代码 (GB 32100): authority, class, region and the mod-31 weighted check character.

    stdnum.cn.uscc.validate insists that the first 8 characters are digits, which rejects real codes of
    authorities A, N and Y; the shape is checked here and the check character with stdnum's own function.
    """
    from stdnum.cn import uscc

    number = text.upper()
    if len(number) != 18 or number[0] not in _USCC_AUTHORITIES or not number[1].isdigit():
        return False
    if not number[2:8].isdigit() or not province_exists(number[2:4]):
        return False
    if any(ch in "IOZSV" for ch in number[8:]):
        return False
    return uscc.calc_check_digit(number[:17]) == number[-1]


def cn_bank_card(text: str) -> bool:
    """银行卡号: 16-19 digits passing Luhn, not one repeated digit."""
    from stdnum import luhn

    return 16 <= len(text) <= 19 and text.isdigit() and len(set(text)) > 2 and luhn.is_valid(text)


def _phone_digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


@lru_cache(maxsize=16384)
def _cn_phone_type(digits: str) -> int | None:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    return int(phonenumbers.number_type(parsed))


def cn_mobile(text: str) -> bool:
    """手机号: an 11-digit number (optionally +86) that phonenumbers knows as a valid CN mobile."""
    digits = _phone_digits(text)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) != 11 or digits[0] != "1":
        return False
    return _cn_phone_type(digits) in (1, 2)  # MOBILE, FIXED_LINE_OR_MOBILE


def cn_landline(text: str) -> bool:
    """固定电话: area code plus local number that phonenumbers knows as a valid CN fixed line."""
    digits = _phone_digits(text)
    if not digits.startswith("0") or not 10 <= len(digits) <= 12:
        return False
    return _cn_phone_type(digits) in (0, 2)  # FIXED_LINE, FIXED_LINE_OR_MOBILE


_EMAIL_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$")


def email(text: str) -> bool:
    """电子邮箱: one @, a local part, and a domain with an alphabetic top-level label."""
    local, sep, domain = text.rpartition("@")
    return bool(sep and local and len(local) <= 64 and _EMAIL_DOMAIN.match(domain))


def ip_address(text: str) -> bool:
    """IP 地址: a valid IPv4 or IPv6 address, not the unspecified address."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not address.is_unspecified


def not_repeated(text: str) -> bool:
    """A document number without a checksum: at least reject one digit repeated (E00000000, C11111111)."""
    digits = _phone_digits(text)
    return len(set(digits)) > 1


#: Validators the YAML registry may name in ``validator:``.
VALIDATORS: dict[str, Validator] = {
    "cn_resident_id": cn_resident_id,
    "cn_uscc": cn_uscc,
    "cn_bank_card": cn_bank_card,
    "cn_mobile": cn_mobile,
    "cn_landline": cn_landline,
    "email": email,
    "ip_address": ip_address,
    "not_repeated": not_repeated,
}
