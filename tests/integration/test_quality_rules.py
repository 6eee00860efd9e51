"""The SQL twins of the identifier validators (quality.is_*) agree with the classifier's Python on the same values.

The values: the demo's own generators (valid numbers, corrupted check characters, malformed mobiles, legacy
15-digit and full-width/spaced/lower-case variants) plus edge cases (impossible dates, unknown regions,
characters outside the alphabets) and a sweep of mobile prefixes and division codes.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from govdata import warehouse
from govdata.demo import identifiers as ids
from govdata.quality import rules

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rules_installed(warehouse_conn):
    warehouse.ensure_schema_ddl(warehouse_conn, "quality_rules", rules.functions_ddl())
    return warehouse_conn


def _sql_verdicts(conn, entity: str, values: list[str]) -> dict[str, bool | None]:
    check = rules.sql_check(entity, "v")
    rows = conn.execute(f"select v, {check} from unnest(%s::text[]) as t(v)", (values,)).fetchall()
    return dict(rows)


def _agree(conn, entity: str, values: list[str]) -> dict[str, bool]:
    rule = rules.RULES[entity]
    python = {v: rule.is_valid(v) for v in values}
    sql = _sql_verdicts(conn, entity, values)
    differ = {v: (python[v], sql[v]) for v in values if python[v] != sql[v]}
    assert not differ, f"{entity}: python vs sql differ on {len(differ)} values: {list(differ.items())[:10]}"
    return python


def _resident_ids(rng: random.Random) -> list[str]:
    out = []
    for year in (1931, 1958, 1975, 1984, 1999, 2004, 2012, 2020):
        for local in (True, False):
            for region in ids.regions_for_year(year, local)[:4]:
                birth = dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
                number = ids.resident_id(rng, region, birth, female=rng.random() < 0.5)
                out += [number, ids.corrupt_id_checksum(number), ids.fullwidth(number), ids.spaced_id(number),
                        number.lower(), f" {number}\u3000", number[:17], number + "1"]  # fmt: skip
                if year < 2000:
                    out.append(ids.legacy_id_15(number))
    body = "44030319900230123"  # 30 February
    out += [body + ids.ric_check_char(body)]
    body = "44030320991231123"  # born in the future
    out += [body + ids.ric_check_char(body)]
    body = "99999919900101123"  # no such region
    out += [body + ids.ric_check_char(body), "440303900230123", "440303901231123", "999999901231123"]
    body = "44030318991231123"  # before 1900
    out += [body + ids.ric_check_char(body), "", "   ", "身份证号", "11010119900307123#", "110101-19900307-123X"]
    return out


def test_resident_id_rule_agrees_with_the_classifier(rules_installed):
    verdicts = _agree(rules_installed, "CN_RESIDENT_ID", _resident_ids(random.Random(11)))
    assert sum(verdicts.values()) > 40 and sum(not v for v in verdicts.values()) > 40  # both sides exercised


def _usccs(rng: random.Random) -> list[str]:
    out = []
    for prefix, region in (("91", "440300"), ("12", "440304"), ("52", "110101"), ("Y1", "440305"), ("93", "100000")):
        for _ in range(6):
            code = ids.uscc(rng, prefix, region)
            wrong = ids.USCC_ALPHABET[(ids.USCC_ALPHABET.index(code[-1]) + 7) % 31]
            out += [code, code[:17] + wrong, ids.fullwidth(code), code.lower(), code[:16] + "I" + code[17],
                    code[:10] + "#" + code[11:], code[:17]]  # fmt: skip
    body = "91990000MA5D4K2L1"  # province 99 does not exist
    out += [body + ids.uscc_check_char(body), "", "91440300", "统一社会信用代码", "Z1440300MA5D4K2L1X"]
    return out


def test_uscc_rule_agrees_with_the_classifier(rules_installed):
    verdicts = _agree(rules_installed, "CN_USCC", _usccs(random.Random(12)))
    assert sum(verdicts.values()) >= 25 and sum(not v for v in verdicts.values()) >= 100


def _mobiles(rng: random.Random) -> list[str]:
    out = []
    for _ in range(60):
        number = ids.mobile(rng)
        out += [number, ids.malformed_mobile(rng, number), "+86 " + number, "86" + number,
                f"{number[:3]}-{number[3:7]}-{number[7:]}", ids.fullwidth(number)]  # fmt: skip
    # every prefix 100…199 (and the 4-digit blocks phonenumbers singles out), so each number plan rule is met
    for prefix in range(100, 200):
        out += [f"{prefix}{rng.randrange(10**8):08d}" for _ in range(3)]
    out += [f"1610{rng.randrange(10**7):07d}" for _ in range(5)]
    out += [f"1740{d}{rng.randrange(10**6):06d}" for d in range(10)]
    out += [ids.landline(rng), "0755-86012345", "13812345678 13912345678", "", "手机", "8613812345678"]
    return out


def test_mobile_rule_agrees_with_the_classifier(rules_installed):
    verdicts = _agree(rules_installed, "CN_MOBILE", _mobiles(random.Random(13)))
    assert sum(verdicts.values()) >= 200 and sum(not v for v in verdicts.values()) >= 60


def test_division_code_rule_agrees_with_the_classifier(rules_installed):
    rng = random.Random(14)
    known = [code for code, _, _ in rules.division_codes()]
    values = rng.sample(known, 400) + [f"{rng.randrange(10**6):06d}" for _ in range(400)]
    values += ["440303", "４４０３０３", "44 0303", "440300", "449999", "4403", "4403031", "", "abcdef"]
    verdicts = _agree(rules_installed, "CN_DIVISION_CODE", values)
    assert sum(verdicts.values()) >= 400
