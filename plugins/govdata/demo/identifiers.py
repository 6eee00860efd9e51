"""Generators of Chinese identifiers (valid, deliberately broken, or in equivalent variant forms)."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from functools import cache

from stdnum import luhn, numdb

# GB 11643 region codes the demo population is born in; each is kept only for the birth years
# in which stdnum's region table says the code existed, so every generated number validates.
SHENZHEN_REGIONS = ("440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311")
OLD_SHENZHEN_REGIONS = ("440320", "440321", "440301")
OTHER_REGIONS = (
    "430102", "430104", "431102", "432503", "360102", "362101", "360732", "510104", "513021", "420106",
    "420117", "421081", "441402", "445202", "441302", "440105", "440106", "440823", "445122", "440781",
    "441881", "450102", "452101", "350203", "412724", "411502",
)  # fmt: skip

_YEARS = re.compile(r"^\[(\d*)-(\d*)\](.*)$")

# USCC characters after the region part (GB 32100 excludes I, O, Z, S, V)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "195", "198", "199",
)  # fmt: skip
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
CARD_BINS = ("622202", "622848", "621700", "622588", "621483", "622700", "623058", "621226", "622155")


@cache
def _county_ranges(code: str) -> list[tuple[int, int, str]]:
    info = dict(kv for _, props in numdb.get("cn/loc").info(code) for kv in props.items())
    spans = []
    for part in info.get("county", "").split(","):
        match = _YEARS.match(part)
        if match:
            start, end, name = match.groups()
            spans.append((int(start or 0), int(end or 9999), name))
        elif part:
            spans.append((0, 9999, part))
    return spans


@cache
def regions_for_year(year: int, local: bool) -> tuple[str, ...]:
    """Region codes that stdnum accepts for someone born in ``year`` (Shenzhen's or elsewhere)."""
    codes = SHENZHEN_REGIONS + OLD_SHENZHEN_REGIONS if local else OTHER_REGIONS
    return tuple(c for c in codes if any(s <= year <= e for s, e, _ in _county_ranges(c)))


@cache
def region_name(code: str) -> str:
    """Province, city and county name of a region code, as its current name reads in an address."""
    table = numdb.get("cn/loc")
    province = dict(kv for _, props in table.info(code) for kv in props.items()).get("province", "")
    city = _county_ranges(code[:4] + "00")
    county = _county_ranges(code)
    city_name = city[-1][2] if city else ""
    county_name = county[-1][2] if county else ""
    return province + (city_name if city_name != county_name else "") + county_name


@cache
def province_name(code: str) -> str:
    """Province of a region code, e.g. 湖南省 (籍贯 as 公安 records it)."""
    info = dict(kv for _, props in numdb.get("cn/loc").info(code[:2]) for kv in props.items())
    return info.get("province", "")


def ric_check_char(body17: str) -> str:
    """GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    # base-13 trick from stdnum: each weight 2**k mod 11 equals 13**k mod 11, and int() runs in C
    value = (1 - 2 * int(body17, 13)) % 11
    return "X" if value == 10 else str(value)


def resident_id(rng: random.Random, region: str, birth: dt.date, female: bool) -> str:
    """A valid 18-character 公民身份号码; the sequence number's parity encodes the sex."""
    seq = int(rng.random() * 500) * 2 + (0 if female else 1)
    body = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return body + ric_check_char(body)


def corrupt_id_checksum(number: str) -> str:
    """The same number with a wrong check character (a typo the checksum must catch)."""
    right = ric_check_char(number[:17])
    wrong = "0123456789X"[("0123456789X".index(right) + 3) % 11]
    return number[:17] + wrong


def legacy_id_15(number: str) -> str:
    """The pre-1999 15-digit form of an 18-digit number (no century, no check character)."""
    return number[:6] + number[8:17]


def org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code (8 characters + check), drawn from the USCC alphabet."""
    body = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))  # A=10 … Z=35
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc_check_char(body17: str) -> str:
    """GB 32100 check character of the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(rng: random.Random, prefix: str = "91", region: str = "440300") -> str:
    """A valid 统一社会信用代码: registration authority + kind (``prefix``), region, org code, check."""
    body = prefix + region + org_code(rng)
    return body + uscc_check_char(body)


def mobile(rng: random.Random) -> str:
    """An 11-digit mainland mobile number (1[3-9]...)."""
    return rng.choice(MOBILE_PREFIXES) + f"{int(rng.random() * 10**8):08d}"


def malformed_mobile(rng: random.Random, number: str) -> str:
    """A broken version of a mobile number as typed in by hand: a digit short or extra, or a bad prefix."""
    kind = rng.randrange(3)
    if kind == 0:
        return number[:-1]
    if kind == 1:
        return number + str(rng.randrange(10))
    return "12" + number[2:]


def landline(rng: random.Random, area: str = "0755") -> str:
    """A fixed-line number with area code, e.g. 0755-86012345."""
    return f"{area}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"


def bank_card(rng: random.Random, length: int = 19) -> str:
    """A UnionPay debit card number (62… BIN) with a valid Luhn check digit."""
    body = rng.choice(CARD_BINS) + "".join(str(rng.randrange(10)) for _ in range(length - 7))
    return body + luhn.calc_check_digit(body)


def passport(rng: random.Random) -> str:
    """An ordinary passport number: E (electronic) or G (older) + 8 digits."""
    return ("E" if rng.random() < 0.85 else "G") + f"{rng.randrange(10**8):08d}"


def hk_macao_permit(rng: random.Random) -> str:
    """An electronic 往来港澳通行证 number: C + 8 digits."""
    return "C" + f"{rng.randrange(10**8):08d}"


def license_plate(rng: random.Random, new_energy: bool = False, city: str = "粤B", dot: bool = True) -> str:
    """A Guangdong plate: 粤B·12345 / 粤B·3K7L2, or a new-energy 粤B·D12345 (D electric, F hybrid)."""
    sep = "·" if dot else ""
    if new_energy:
        return f"{city}{sep}{rng.choice('DF')}{rng.randrange(10**5):05d}"
    chars = [str(rng.randrange(10)) for _ in range(5)]
    for pos in rng.sample(range(5), rng.choice((0, 0, 1, 2))):
        chars[pos] = rng.choice(PLATE_LETTERS)
    return city + sep + "".join(chars)


_SYLLABLES = (
    "zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
    "hu", "guo", "he", "lin", "luo", "gao", "wei", "jun", "ming", "hua", "xin", "yu", "jing", "fang", "lei",
    "tao", "bin", "hui", "ting", "yan", "qiang", "peng", "fei", "ling", "na", "xia", "jie", "hao", "kai",
)  # fmt: skip
_MAIL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com", "outlook.com")


def email(rng: random.Random, domain: str | None = None) -> str:
    """A personal-looking e-mail address (pinyin syllables and digits)."""
    local = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)
    if rng.random() < 0.6:
        local += str(rng.randrange(1, 9999))
    return f"{local}@{domain or rng.choice(_MAIL_DOMAINS)}"


_IP_FIRST = (14, 27, 58, 59, 61, 101, 112, 113, 116, 119, 120, 121, 183, 218, 223)


def ipv4(rng: random.Random) -> str:
    """A public IPv4 address from ranges allocated to Chinese carriers."""
    return f"{rng.choice(_IP_FIRST)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


# Equivalent spellings of a key that departments' systems really store
_FULLWIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
)


def fullwidth(key: str) -> str:
    """The key typed with full-width digits and letters (an IME left in full-width mode)."""
    return key.translate(_FULLWIDTH)


def spaced_id(number: str) -> str:
    """An ID number grouped with spaces the way it is read out: 6 + 8 + 4."""
    return f"{number[:6]} {number[6:14]} {number[14:]}"


def normalise_key(value: str) -> str:
    """The canonical form of an ID number or USCC: NFKC, no whitespace or hyphens, upper case."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value)).upper()
