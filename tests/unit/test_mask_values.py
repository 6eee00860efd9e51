"""Masks of single values: each entity's function on real cases, and the dispatcher failing closed."""

from __future__ import annotations

import pytest

from govdata import config
from govdata.mask import values
from govdata.mask.text import mask_free_text, replace_spans
from govdata.mask.values import mask_value


@pytest.fixture(scope="module")
def evidence() -> config.MaskPolicy:
    return config.load_masking_config().policy(config.EVIDENCE_POLICY)


@pytest.fixture(scope="module")
def publication() -> config.MaskPolicy:
    return config.load_masking_config().policy(config.PUBLICATION_POLICY)


@pytest.mark.parametrize(
    ("value", "kwargs", "masked"),
    [
        ("110101199003071234", {}, "110101********1234"),
        ("11010119900307123x", {}, "110101********123X"),
        ("１１０１０１１９９００３０７１２３Ｘ", {}, "110101********123X"),  # full-width digits
        ("110101 19900307 1234", {}, "110101********1234"),
        ("110101900307123", {}, "110101*****7123"),  # the old 15-digit number
        ("110101199003071234", {"birth_year": True, "last": 0}, "1101011990********"),
        ("110101199003071234", {"region": False, "last": 1}, "*****************4"),
        ("11010119900307", {}, "**************"),  # malformed: 14 digits
        ("110101199003O71234", {}, "******************"),  # a letter O inside
        ("身份证110101199003071234", {}, "*********************"),
    ],
)
def test_resident_id(value, kwargs, masked):
    assert values.resident_id(value, **kwargs) == masked


@pytest.mark.parametrize(
    ("value", "first", "last", "masked"),
    [
        ("13812345678", 3, 4, "138****5678"),
        ("138 1234 5678", 3, 4, "138****5678"),
        ("１３８－１２３４－５６７８", 3, 4, "138****5678"),
        ("+86 138-1234-5678", 3, 4, "138****5678"),
        ("6222021234567890123", 0, 4, "***************0123"),
        ("粤B12345", 2, 2, "粤B***45"),
        ("粤BD12345", 2, 2, "粤B****45"),  # new-energy plate
        ("E12345678", 1, 2, "E******78"),
        ("1381234", 3, 4, "1******"),  # too short to keep 3 + 4: the first character only
        ("123", 3, 4, "***"),
    ],
)
def test_keep_ends(value, first, last, masked):
    assert values.keep_ends(value, first, last) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),  # compound surname kept whole
        ("诸葛亮", "诸葛*"),
        ("司马", "司*"),  # a compound surname alone still loses a character
        ("张", "*"),
        ("张 三", "张*"),
        ("阿依古丽·买买提", "阿***·***"),
        ("John Smith", "J********"),
        ("乙某某", "乙**"),  # no known surname: the first character
    ],
)
def test_person_name(value, masked):
    assert values.person_name(value) == masked


@pytest.mark.parametrize(
    ("value", "level", "masked"),
    [
        ("广东省深圳市南山区科技园路1号", "district", "广东省深圳市南山区"),
        ("广东省深圳市南山区粤海街道科技园路1号3栋201室", "district", "广东省深圳市南山区"),
        ("北京市朝阳区建国路88号", "district", "北京市朝阳区"),
        ("昆山市玉山镇人民路1号", "district", "昆山市"),
        ("深圳市南山区", "district", "深圳市"),  # already at 区 level: one level more
        ("浙江省杭州市西湖区", "district", "浙江省杭州市"),
        ("广东省深圳市南山区科技园路1号", "prefecture", "广东省深圳市"),
        ("广东省深圳市南山区科技园路1号", "province", "广东省"),
        ("幸福路12号", "district", "******"),  # no division: starred whole
        ("3栋2单元501室", "district", "*********"),
    ],
)
def test_address(value, level, masked):
    assert values.address(value, level) == masked


def test_address_marker_and_never_the_input():
    assert values.address("广东省深圳市南山区科技园路1号", marker="***") == "广东省深圳市南山区***"
    for value in ("深圳市", "广东省", "南山区", "广东省深圳市南山区"):
        assert values.address(value) != value


@pytest.mark.parametrize(
    ("value", "output", "masked"),
    [
        ("1990-03-07", "masked", "1990-**-**"),
        ("19900307", "masked", "1990****"),
        ("1990年3月7日", "masked", "1990年*月*日"),
        ("１９９０／０３／０７", "masked", "1990/**/**"),
        ("1990-03-07", "year", "1990"),
        ("1990-03-07 00:00:00", "year", "1990"),
        ("07/03/1990", "masked", "**********"),  # not year first: starred whole
        ("不详", "year", "**"),
    ],
)
def test_birth_date(value, output, masked):
    assert values.birth_date(value, output) == masked


def test_email_ip_and_organization():
    assert values.email("zhangsan@example.cn") == "z***@example.cn"
    assert values.email("zhangsan@example.cn", domain=False) == "z***@***.cn"
    assert values.email("not-an-email") == "************"
    assert values.ip_address("192.168.10.23") == "192.168.*.*"
    assert values.ip_address("192.168.10.23", keep=0) == "*.*.*.*"
    assert values.ip_address("2001:db8:85a3::8a2e:370:7334") == "2001:db8:*:*:*:*:*"
    assert values.ip_address("localhost") == "*********"
    assert values.organization("深圳市腾讯计算机系统有限公司") == "深圳市*******有限公司"
    assert values.organization("张三五金店") == "****店"  # an 个体工商户 named after its owner
    assert values.organization("有限公司") == "有***"


def test_evidence_policy_masks_every_entity(evidence):
    cases = {
        "CN_RESIDENT_ID": ("110101199003071234", "110101********1234"),
        "CN_MOBILE": ("13812345678", "138****5678"),
        "PERSON": ("欧阳娜娜", "欧阳**"),
        "ADDRESS": ("广东省深圳市南山区科技园路1号", "广东省深圳市南山区***"),
        "CN_BANK_CARD": ("6222021234567890123", "***************0123"),
        "CN_LICENSE_PLATE": ("粤B12345", "粤B***45"),
        "CN_USCC": ("91440300708461136T", "914403********136T"),  # public, still masked in examples
        "BIRTH_DATE": ("1990-03-07", "1990-**-**"),
        "GENDER": ("男", "*"),
        "ORGANIZATION": ("深圳市腾讯计算机系统有限公司", "深圳市*******有限公司"),
        "EMAIL_ADDRESS": ("zhangsan@example.cn", "z***@example.cn"),
        "IP_ADDRESS": ("192.168.10.23", "192.168.*.*"),
    }
    for entity, (value, masked) in cases.items():
        assert mask_value(entity, value, evidence) == masked, entity


def test_publication_policy_keeps_public_values_and_generalises(publication):
    assert mask_value("CN_USCC", "91440300708461136T", publication) == "91440300708461136T"
    assert mask_value("BIRTH_DATE", "1990-03-07", publication) == "1990"
    assert mask_value("BIRTH_DATE", "1990", publication) == "1990"
    assert mask_value("GENDER", "女", publication) == "女"
    assert mask_value("ADDRESS", "广东省深圳市南山区科技园路1号", publication) == "广东省深圳市南山区"
    assert mask_value("CN_RESIDENT_ID", "110101199003071234", publication) == "110101********1234"


def test_unknown_entity_fails_closed(evidence, publication):
    for policy in (evidence, publication):
        assert mask_value("NO_SUCH_ENTITY", "110101199003071234", policy) == "*" * 18
        assert mask_value("", "张三", policy) == "**"


def test_none_and_blank_values(evidence):
    assert mask_value("PERSON", None, evidence) is None
    assert mask_value("PERSON", "", evidence) == ""
    assert mask_value("PERSON", "  \u3000", evidence) == ""


def test_a_mask_that_would_return_its_input_stars_it(evidence):
    # 1990 has nothing after its year: a "masked" birth date would be the value itself
    assert mask_value("BIRTH_DATE", "1990", evidence) == "****"
    assert mask_value("ADDRESS", "南山区", evidence) == "***"
    assert mask_value("IP_ADDRESS", "10.1", evidence) == "****"


def test_strict_policy_never_shows_a_raw_value(evidence):
    samples = ["110101199003071234", "13812345678", "张三", "广东省深圳市南山区科技园路1号", "男", "1990-03-07",
               "91440300708461136T", "深圳市腾讯计算机系统有限公司", "zhangsan@example.cn", "粤B12345"]  # fmt: skip
    for entity in [*evidence.entities, "UNKNOWN"]:
        for value in samples:
            assert mask_value(entity, value, evidence) != value, (entity, value)


def test_free_text_replace_spans_masks_each_finding_as_its_entity(publication):
    text = "张三的电话是13812345678，请回电"
    spans = [(0, 2, "PERSON"), (6, 17, "CN_MOBILE")]
    assert replace_spans(text, spans, publication) == "张*的电话是138****5678，请回电"
    # overlapping findings: the union is masked, nothing of it shows through
    assert replace_spans("身份证110101199003071234", [(3, 21, "CN_RESIDENT_ID"), (10, 21, "CN_MOBILE")],
                         publication) == "身份证110101********1234"  # fmt: skip
    assert replace_spans("材料齐全", [], publication) == "材料齐全"


def test_free_text_in_a_strict_policy_shows_only_the_masked_findings(evidence):
    # the recognizers found the ID but not the name after 代办人: the name must not be shown
    text = "代办人熊毅轩，身份证110101199003071234"
    example = mask_free_text(text, [(10, 28, "CN_RESIDENT_ID")], evidence)
    assert example == "110101********1234"
    assert "熊" not in example
    text = "电话13812345678，邮箱zhangsan@example.cn"
    email_at = text.index("zhangsan")
    two = mask_free_text(text, [(2, 13, "CN_MOBILE"), (email_at, len(text), "EMAIL_ADDRESS")], evidence)
    assert two == "138****5678 … z***@example.cn"


def test_free_text_display_is_cut_around_the_first_finding(publication):
    long = "说明" * 40 + "13812345678" + "说明" * 40
    cut = mask_free_text(long, [(80, 91, "CN_MOBILE")], publication)
    assert "138****5678" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) <= 62
