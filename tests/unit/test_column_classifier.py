"""Column classifier: entity per column, tie-breaks, sparse PII, header rules, masked evidence, table grade."""

from __future__ import annotations

import json
import random

import pytest

from govdata.classify.column import (
    ColumnClassification,
    classify_column,
    get_classifier,
    grade_table,
    sample_values,
)
from govdata.classify.rules import OUTPUT_ENTITIES
from tests.unit.test_recognizers import luhn, make_id, wrong_last

RNG = random.Random(7)
NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴霞",
    "徐明",
    "孙丽",
    "马超",
    "朱婷",
    "胡军",
]


def ids(n: int = 60) -> list[str]:
    regions = ["440305", "110105", "320102", "510107", "330106"]
    return [
        make_id(
            RNG.choice(regions),
            f"19{RNG.randint(50, 99)}{RNG.randint(1, 12):02d}{RNG.randint(1, 28):02d}",
            f"{RNG.randint(0, 999):03d}",
        )
        for _ in range(n)
    ]


def mobiles(n: int = 60) -> list[str]:
    return [RNG.choice(["138", "139", "186", "157", "199"]) + f"{RNG.randint(0, 99999999):08d}" for _ in range(n)]


def assert_no_raw_values(result: ColumnClassification, values: list[str]) -> None:
    dumped = json.dumps(result.evidence, ensure_ascii=False)
    for value in values:
        if value and len(value) >= 5:
            assert value not in dumped, f"raw value {value!r} leaked into evidence"


class TestEntities:
    def test_resident_id_under_placeholder_header(self):
        values = ids()
        result = classify_column("col_17", values)
        assert result.entity == "CN_RESIDENT_ID"
        assert result.category == "个人身份信息" and result.grade == "L4"
        assert result.evidence["share"] == 1.0
        assert_no_raw_values(result, values)

    def test_mobile_with_pinyin_header_and_formats(self):
        values = [f"{m[:3]} {m[3:7]} {m[7:]}" for m in mobiles()]
        result = classify_column("lxdh", values)
        assert result.entity == "CN_MOBILE"
        assert result.evidence["header_rule"] == "name~lxdh"
        assert result.confidence > 0.9

    def test_landline(self):
        values = [f"0755-{RNG.randint(20000000, 89999999)}" for _ in range(50)]
        assert classify_column("办公电话", values).entity == "CN_LANDLINE"

    def test_bank_card(self):
        values = [luhn("622202" + f"{RNG.randint(0, 10**9 - 1):09d}") for _ in range(50)]
        result = classify_column("yhkh", values)
        assert result.entity == "CN_BANK_CARD" and result.category == "个人财产信息"

    def test_uscc_is_public_data(self):
        result = classify_column("统一社会信用代码", ["91110000600037341L", "91350100M000100Y43"] * 20)
        assert result.entity == "CN_USCC" and result.grade == "L1"

    def test_names_with_and_without_header(self):
        assert classify_column("xm", NAMES * 4).entity == "PERSON"
        assert classify_column("col_3", NAMES * 4).entity == "PERSON"

    def test_addresses(self):
        values = ["北京市朝阳区建国路88号", "广东省深圳市南山区科技园路1号", "浙江省杭州市西湖区文三路478号"] * 10
        result = classify_column("zz", values)
        assert result.entity == "ADDRESS"
        assert_no_raw_values(result, values)

    def test_email_ip_plate_passport_permit(self):
        assert classify_column("邮箱", ["a.b@qq.com", "zhang3@163.com"] * 10).entity == "EMAIL_ADDRESS"
        assert classify_column("登录IP", ["192.168.1.10", "10.2.3.4"] * 10).entity == "IP_ADDRESS"
        assert classify_column("hphm", ["粤B12345", "京AD12345", "沪A·12345"] * 10).entity == "CN_LICENSE_PLATE"
        assert classify_column("护照号", ["E12345678", "EA1234567", "G12345678"] * 10).entity == "CN_PASSPORT"
        assert (
            classify_column("通行证号码", ["C12345678", "CA1234567", "H12345678"] * 10).entity == "CN_HK_MACAO_PERMIT"
        )

    def test_every_reported_entity_is_in_the_vocabulary(self):
        for values in (ids(), mobiles(), NAMES, ["粤(2020)深圳市不动产权第0012345号"] * 5):
            assert classify_column("x", values).entity in OUTPUT_ENTITIES


class TestDistractors:
    def test_order_numbers_failing_the_check(self):
        values = [wrong_last(i) for i in ids()]
        assert classify_column("身份证号", values).entity == "NONE"

    def test_eleven_digit_codes(self):
        values = [f"1{RNG.choice('0123456789')}{RNG.randint(0, 10**9 - 1):09d}" for _ in range(100)]
        assert classify_column("编码", values).entity == "NONE"

    def test_card_numbers_failing_luhn(self):
        values = [wrong_last(luhn("622202" + f"{RNG.randint(0, 10**9 - 1):09d}")) for _ in range(100)]
        assert classify_column("卡号", values).entity == "NONE"

    @pytest.mark.parametrize(
        "values",
        [
            ["民政局", "财政局", "公安局", "教育局"],
            ["朝阳区", "海淀区", "天河区", "朝阳", "海淀"],
            ["深圳市腾讯计算机系统有限公司", "广州市天河区民政局"],
            ["正常", "注销", "在业", "迁出"],
            ["本科", "高中", "大专"],
        ],
    )
    def test_org_and_place_names(self, values):
        assert classify_column("col_4", values * 10).entity == "NONE"

    def test_masked_ids_are_not_ids(self):
        values = [i[:6] + "********" + i[-4:] for i in ids()]
        assert classify_column("身份证号", values).entity == "NONE"


class TestTieBreak:
    def both(self) -> str:
        from govdata.classify.validators import cn_uscc

        for region in ("321112", "441202", "371312"):
            for month in range(1, 13):
                for day in range(1, 29):
                    number = make_id(region, f"1975{month:02d}{day:02d}", "123")
                    if cn_uscc(number):
                        return number
        raise AssertionError("no value valid as both")

    def test_header_decides(self):
        value = self.both()
        result = classify_column("统一社会信用代码", [value] * 5)
        assert result.entity == "CN_USCC"
        assert result.evidence["tie_breaks"][0]["rule"] == "header"

    def test_column_majority_then_strength(self):
        value = self.both()
        assert classify_column("col_1", [value] * 3 + ["91110000600037341L"] * 10).entity == "CN_USCC"
        result = classify_column("col_1", [value] * 5)
        assert result.entity == "CN_RESIDENT_ID"
        assert result.evidence["tie_breaks"][0]["rule"] == "strength"


class TestFreeText:
    def test_sparse_pii_in_remarks_is_found(self):
        values = ["材料齐全，予以受理。"] * 97 + ["已联系本人，手机13812345678", "申请人张三来电", None]
        result = classify_column("备注", values)
        assert result.entity == "FREE_TEXT_WITH_PII"
        assert result.evidence["cells_with_pii"] == 2
        assert "13812345678" not in json.dumps(result.evidence, ensure_ascii=False)

    def test_remarks_without_pii(self):
        values = [
            "材料齐全，予以受理。",
            "已于2023年5月12日完成现场检查，未发现问题。",
            "受理编号202312030001234567。",
        ] * 30
        assert classify_column("bz", values).entity == "NONE"

    def test_free_text_grade_follows_embedded_entity(self):
        values = ["材料齐全，予以受理。"] * 50 + [f"身份证号{make_id()}"]
        result = classify_column("处理意见", values)
        assert result.entity == "FREE_TEXT_WITH_PII" and result.grade == "L4"


class TestHeaderRules:
    def test_health_without_entity(self):
        result = classify_column("诊断结果", ["高血压", "2型糖尿病", "冠心病"] * 10)
        assert (result.entity, result.category, result.grade) == ("NONE", "个人健康生理信息", "L4")
        assert "健康生理" in result.evidence["category_rule"]

    def test_comment_counts(self):
        result = classify_column("f_x1", ["高血压"] * 5, comment="既往病史")
        assert result.category == "个人健康生理信息"

    def test_birth_date_is_a_quasi_identifier(self):
        result = classify_column("csrq", ["1990-01-01"] * 5, data_type="date")
        assert result.quasi_identifier == "birth_date" and result.grade == "L2"

    def test_empty_column_uses_header_alone(self):
        result = classify_column("身份证号码", [None, "", None])
        assert result.entity == "CN_RESIDENT_ID" and result.confidence == 0.5

    def test_important_data_flag(self):
        result = classify_column("高精度坐标", ["113.9,22.5"] * 5)
        assert result.gbt43697 == "重要"


class TestTableGrade:
    def test_highest_field_grade(self):
        fields = [classify_column("xb", ["男", "女"] * 5), classify_column("sfzh", ids(10))]
        table = grade_table(fields)
        assert table.grade == "L4" and table.highest_fields == ["sfzh"]

    def test_quasi_identifiers_raise_one_level(self):
        fields = [
            classify_column("出生日期", ["1990-01-01"] * 5),
            classify_column("性别", ["男", "女"] * 5),
            classify_column("住址", ["北京市朝阳区建国路88号", "浙江省杭州市西湖区文三路478号"] * 5),
        ]
        assert max(f.grade for f in fields) == "L3"
        table = grade_table(fields)
        assert table.grade == "L4" and table.raised_by == "出生日期+性别+住址"

    def test_scale_makes_important_data(self):
        fields = [classify_column("sfzh", ids(10))]
        assert grade_table(fields, row_count=10).gbt43697 == "一般"
        assert grade_table(fields, row_count=2_000_000).gbt43697 == "重要"


def test_sampling_is_deterministic_and_spread():
    values = list(range(1000))
    sample = sample_values(values, 100)
    assert sample == sample_values(values, 100)
    assert sample[0] == 0 and sample[-1] >= 990


def test_record_carries_version():
    result = classify_column("sfzh", ids(10))
    record = result.to_record()
    assert record["recognizer_version"] == get_classifier().version
    assert set(result.to_dict()) == {"name", "entity", "category", "grade", "confidence", "evidence"}
