"""Recognizers: validators, normalisation with offsets, the YAML registry and Presidio free-text analysis."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from govdata.classify import validators as v
from govdata.classify.addresses import find_addresses, parse_address
from govdata.classify.names import (
    is_name_shape,
    is_name_with_header,
    is_name_without_header,
    load_surnames,
    trim_name,
)
from govdata.classify.normalize import normalize_text, normalize_value
from govdata.classify.rules import RecognizerRegistry, load_registry, recognizer_version


def ric_check(body17: str) -> str:
    """GB 11643 check character computed here, independently of stdnum."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


def make_id(region: str = "440305", birth: str = "19880612", seq: str = "123") -> str:
    body = region + birth + seq
    return body + ric_check(body)


def luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def wrong_last(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# ---------------------------------------------------------------- resident ID
class TestResidentId:
    def test_standard_example_with_x(self):
        assert v.cn_resident_id("11010519491231002X")
        assert v.cn_resident_id("11010519491231002x")

    def test_generated_valid(self):
        assert v.cn_resident_id(make_id())

    def test_wrong_check_digit(self):
        assert not v.cn_resident_id(wrong_last(make_id()))

    def test_impossible_date(self):
        body = "440305" + "19880230" + "123"
        assert not v.cn_resident_id(body + ric_check(body))

    def test_future_birth_date(self):
        body = "440305" + "20991231" + "123"
        assert not v.cn_resident_id(body + ric_check(body))

    def test_unknown_region(self):
        body = "990101" + "19880612" + "123"
        assert not v.cn_resident_id(body + ric_check(body))

    def test_region_abolished_later_still_valid(self):
        # 110103 崇文区 existed until 2010; numbers issued there stay valid
        assert v.cn_resident_id(make_id("110103", "19700101"))

    def test_legacy_15_digits(self):
        assert v.cn_resident_id("110105491231002")
        assert not v.cn_resident_id("110105491332002")  # month 13
        assert not v.cn_resident_id("990105491231002")  # region

    def test_wrong_length(self):
        assert not v.cn_resident_id("11010519491231002")
        assert not v.cn_resident_id("")


# ---------------------------------------------------------------- USCC
class TestUscc:
    def test_valid(self):
        assert v.cn_uscc("91110000600037341L")
        assert v.cn_uscc("91350100M000100Y43")

    def test_wrong_check_character(self):
        assert not v.cn_uscc("91110000600037341M")

    def test_forbidden_letters(self):
        assert not v.cn_uscc("9111000060003734IL")

    def test_unknown_authority_or_province(self):
        assert not v.cn_uscc("B1110000600037341L")
        assert not v.cn_uscc("91990000600037341L")

    def test_authority_letters_accepted(self):
        # GB 32100 authority codes A/N/Y are real; stdnum's validate() would reject them
        from stdnum.cn import uscc

        body = "N2440300MA5ABCDE1"
        assert v.cn_uscc(body + uscc.calc_check_digit(body))

    def test_some_ids_also_pass_uscc(self):
        # the reason a tie-break exists: count them among valid IDs
        # regions whose 3rd–4th digits form a province code, as a USCC's must
        ids = [
            make_id(region, f"19{y:02d}{m:02d}{d:02d}", "123")
            for region in ("321112", "441202", "371312", "131121")
            for y in range(50, 99, 7)
            for m in range(1, 13)
            for d in (1, 9, 17, 25)
        ]
        both = [n for n in ids if v.cn_uscc(n)]
        assert all(v.cn_resident_id(n) for n in ids)
        assert 0 < len(both) < len(ids) * 0.1


# ---------------------------------------------------------------- bank card
class TestBankCard:
    def test_valid_16_and_19(self):
        assert v.cn_bank_card(luhn("622202123456789"))
        assert v.cn_bank_card(luhn("622848012345678901"))

    def test_failing_luhn(self):
        assert not v.cn_bank_card(wrong_last(luhn("622202123456789")))

    def test_edges(self):
        assert not v.cn_bank_card(luhn("62220212345678"))  # 15 digits
        assert not v.cn_bank_card("0000000000000000")  # Luhn-valid but one digit repeated
        assert not v.cn_bank_card("6222abcd12345678")


# ---------------------------------------------------------------- phones
class TestPhones:
    @pytest.mark.parametrize("number", ["13812345678", "19912345678", "+8613812345678", "8613812345678"])
    def test_mobile_valid(self, number):
        assert v.cn_mobile(number)

    @pytest.mark.parametrize("number", ["12345678901", "10012345678", "1381234567", "23812345678"])
    def test_mobile_invalid(self, number):
        assert not v.cn_mobile(number)

    @pytest.mark.parametrize("number", ["075512345678", "02088888888", "(010)65123456", "0351-2523502"])
    def test_landline_valid(self, number):
        assert v.cn_landline(number)

    @pytest.mark.parametrize("number", ["07551234567", "88888888", "4008001234", "13812345678", "0755-0123456"])
    def test_landline_invalid(self, number):
        assert not v.cn_landline(number)


# ---------------------------------------------------------------- others
def test_email():
    assert v.email("zhang.san@qq.com")
    assert v.email("123456789@sz.gov.cn")
    assert not v.email("zhang@localhost")
    assert not v.email("@qq.com")


def test_ip():
    assert v.ip_address("192.168.1.10")
    assert v.ip_address("2001:db8:0:0:0:0:0:1")
    assert not v.ip_address("0.0.0.0")
    assert not v.ip_address("256.1.1.1")


def test_not_repeated():
    assert v.not_repeated("E12345678")
    assert not v.not_repeated("E00000000")


# ---------------------------------------------------------------- normalisation
class TestNormalize:
    def test_full_width_and_separators_map_back(self):
        text = "电话：１３８ 1234-5678，谢谢"
        norm = normalize_text(text)
        assert "13812345678" in norm.text
        start = norm.text.index("13812345678")
        assert norm.original_slice(start, start + 11) == "１３８ 1234-5678"

    def test_id_with_spaces_and_x(self):
        norm = normalize_text("身份证 110105 19491231 002X 已核验")
        assert "11010519491231002X" in norm.text

    def test_two_numbers_side_by_side_stay_apart(self):
        assert normalize_text("13812345678 13912345678").text == "13812345678 13912345678"

    def test_unchanged_text_has_identity_offsets(self):
        norm = normalize_text("没有数字")
        assert norm.index_map is None
        assert norm.to_original(1, 3) == (1, 3)

    def test_value_normalisation(self):
        assert normalize_value(" １３８ 1234 5678 ") == "13812345678"
        assert normalize_value("0755-12345678") == "075512345678"
        assert normalize_value("张 三") == "张 三"


# ---------------------------------------------------------------- names and addresses
class TestNames:
    surnames = load_surnames()

    @pytest.mark.parametrize("name", ["张伟", "王小明", "欧阳娜娜", "司马光"])
    def test_names(self, name):
        assert is_name_without_header(name, self.surnames)

    @pytest.mark.parametrize("value", ["朝阳", "朝阳区", "民政局", "常规", "高中", "黄色", "张家港", "高级工程师"])
    def test_not_names_without_header(self, value):
        assert not is_name_without_header(value, self.surnames)

    def test_header_accepts_minority_names(self):
        assert is_name_with_header("阿依古丽·买买提")
        assert is_name_with_header("扎西顿珠")
        assert not is_name_with_header("财政局")
        assert not is_name_with_header("深圳市腾讯计算机系统有限公司")

    def test_shape(self):
        assert is_name_shape("李娜", self.surnames)
        assert not is_name_shape("张", self.surnames)
        assert not is_name_shape("Zhang", self.surnames)

    def test_trim_in_running_text(self):
        assert trim_name("张三电话138", self.surnames) == "张三"
        assert trim_name("王小明来电", self.surnames) == "王小明"
        assert trim_name("李女士", self.surnames) is None


class TestAddresses:
    @pytest.mark.parametrize(
        "value",
        [
            "广东省深圳市南山区粤海街道科技园路1号",
            "北京市朝阳区建国路88号",
            "湖南省长沙县黄兴镇鹿芝岭村3组",
            "上海市黄浦区南京东路100号",
            "体育西路103号",
            "阳光花园22栋1单元904室",
            "吉林省欣县淄川惠州街B座 674391",
        ],
    )
    def test_addresses(self, value):
        assert parse_address(value).is_address

    @pytest.mark.parametrize(
        "value",
        [
            "朝阳区",
            "北京市海淀区",
            "广州市天河区民政局",
            "深圳市腾讯计算机系统有限公司",
            "中国工商银行广州天河路支行",
            "粤府办〔2023〕12号",
            "3号楼",
        ],
    )
    def test_not_addresses(self, value):
        assert not parse_address(value).is_address

    def test_levels(self):
        levels = parse_address("浙江省杭州市西湖区文三路478号").levels
        assert levels[:4] == ["province", "prefecture", "district", "road"]

    def test_find_in_text(self):
        text = "申请人家住广州市天河区体育西路103号，电话13812345678"
        ((start, end),) = find_addresses(text)
        assert text[start:end] == "广州市天河区体育西路103号"


# ---------------------------------------------------------------- registry
def test_registry_loads_and_names_validators():
    registry = load_registry()
    entities = {r.entity for r in registry.recognizers}
    assert {"CN_RESIDENT_ID", "CN_USCC", "CN_BANK_CARD", "CN_MOBILE", "PERSON", "ADDRESS"} <= entities
    for spec in registry.recognizers:
        assert spec.validator is None or spec.validator in v.VALIDATORS


def test_registry_rejects_unknown_validator():
    with pytest.raises(ValueError, match="unknown validator"):
        RecognizerRegistry.model_validate(
            {
                "recognizers": [
                    {
                        "name": "x",
                        "entity": "X",
                        "patterns": [{"name": "p", "regex": "x", "score": 0.5}],
                        "validator": "no_such_check",
                    }
                ]
            }
        )


def test_recognizer_version_follows_the_yaml(tmp_path: Path):
    src = Path(__file__).resolve().parents[2] / "config" / "recognizers.yaml"
    copy = tmp_path / "recognizers.yaml"
    copy.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    before = recognizer_version(copy)
    assert before == recognizer_version(src)
    copy.write_text(src.read_text(encoding="utf-8") + "\n# a new context word\n", encoding="utf-8")
    recognizer_version.cache_clear()
    assert recognizer_version(copy) != before


# ---------------------------------------------------------------- Presidio (free text)
@pytest.fixture(scope="module")
def analyze():
    pytest.importorskip("presidio_analyzer")
    from govdata.classify.presidio_engine import analyze_text

    return lambda text: [(f.entity, text[f.start : f.end], f.score) for f in analyze_text(text)]


def _entities(found, threshold=0.5):
    return {e for e, _, score in found if score >= threshold}


class TestPresidioRecognizers:
    def test_resident_id(self, analyze):
        good, bad = make_id(), wrong_last(make_id())
        assert ("CN_RESIDENT_ID", good, 1.0) in analyze(f"身份证号{good}")
        assert "CN_RESIDENT_ID" not in _entities(analyze(f"身份证号{bad}"))

    def test_full_width_phone_is_found_in_original_form(self, analyze):
        found = analyze("联系电话：１３８ 1234-5678")
        assert ("CN_MOBILE", "１３８ 1234-5678", 1.0) in found

    def test_uscc(self, analyze):
        assert "CN_USCC" in _entities(analyze("统一社会信用代码91350100M000100Y43"))
        assert "CN_USCC" not in _entities(analyze("统一社会信用代码91350100M000100Y44"))

    def test_bank_card_needs_context_unless_unionpay(self, analyze):
        visa = luhn("436742123456789")
        assert "CN_BANK_CARD" not in _entities(analyze(f"编号{visa}"))
        assert "CN_BANK_CARD" in _entities(analyze(f"银行卡号{visa}"))
        assert "CN_BANK_CARD" in _entities(analyze(f"已转{luhn('622202123456789')}"))
        assert "CN_BANK_CARD" not in _entities(analyze(f"银行卡号{wrong_last(visa)}"))

    def test_landline_needs_context(self, analyze):
        assert "CN_LANDLINE" in _entities(analyze("办公电话：0755-12345678"))
        assert "CN_LANDLINE" not in _entities(analyze("抽检批次057936165741"))

    def test_passport_and_permit_with_context(self, analyze):
        assert "CN_PASSPORT" in _entities(analyze("护照号E12345678"))
        assert "CN_PASSPORT" not in _entities(analyze("型号E12345678"))
        assert "CN_HK_MACAO_PERMIT" in _entities(analyze("往来港澳通行证C12345678"))

    def test_plates_including_new_energy(self, analyze):
        for plate in ["粤B12345", "粤B·D12345", "京AD12345", "沪A12345F"]:
            assert "CN_LICENSE_PLATE" in _entities(analyze(f"车牌{plate}违停")), plate
        assert "CN_LICENSE_PLATE" not in _entities(analyze("车牌粤BI2345"))  # no I in plates

    def test_email_and_ip(self, analyze):
        assert "EMAIL_ADDRESS" in _entities(analyze("邮箱 zhang@qq.com"))
        assert "IP_ADDRESS" in _entities(analyze("登录IP 192.168.1.10"))
        assert "IP_ADDRESS" not in _entities(analyze("版本 1.2.3.4"))

    def test_real_estate_certificate(self, analyze):
        assert "CN_REAL_ESTATE_CERT" in _entities(analyze("粤(2020)深圳市不动产权第0012345号"))

    def test_names(self, analyze):
        assert ("PERSON", "张三", 0.85) in analyze("联系人：张三，电话13812345678")
        assert "PERSON" in _entities(analyze("李女士来电咨询"))
        assert "PERSON" in _entities(analyze("冯燕已签字确认。"))
        assert "PERSON" not in _entities(analyze("企业已提交整改报告"))

    def test_name_after_a_role_word_whatever_its_surname(self, analyze):
        # 宾, 禤, 覃 are not in the surname table: a short token closed by a delimiter after a role word is a name
        def names(text):
            return {t for e, t, score in analyze(text) if e == "PERSON" and score >= 0.5}

        assert names("房东宾国轩，电话18512341666") == {"宾国轩"}
        assert names("同住人禤国（同住）") == {"禤国"}
        assert names("制表人：王芳") == {"王芳"}
        assert names("家属赫然陪同，电话13812344143") == {"赫然"}
        assert names("联系人由敏来电咨询") == {"由敏"}
        for text in ("家属陪同，已回访", "房东深圳，已核实", "联系人：无"):
            assert "PERSON" not in _entities(analyze(text)), text

    def test_address(self, analyze):
        assert "ADDRESS" in _entities(analyze("当事人家住北京市朝阳区建国路88号"))
        assert "ADDRESS" not in _entities(analyze("朝阳区民政局转办"))


def test_yaml_pattern_added_without_code(tmp_path: Path):
    """Staff add a recognizer in YAML: the structured classifier uses it with no code change."""
    from govdata.classify.column import ColumnClassifier
    from govdata.classify.rules import load_rules

    registry_file = tmp_path / "recognizers.yaml"
    registry_file.write_text(
        textwrap.dedent(
            """
            recognizers:
              - name: cn_mobile
                entity: CN_MOBILE
                patterns: [{name: mobile, regex: '1[3-9]\\d{9}', score: 0.5}]
                validator: cn_mobile
                headers: {keywords: [手机]}
            """
        ),
        encoding="utf-8",
    )
    classifier = ColumnClassifier(
        RecognizerRegistry.model_validate(__import__("yaml").safe_load(registry_file.read_text(encoding="utf-8"))),
        load_rules(),
    )
    result = classifier.classify("col_1", ["13812345678", "13912345678", "18612345678"])
    assert result.entity == "CN_MOBILE"
