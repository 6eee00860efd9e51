"""The full scan and the leak guard on generated tables: sparse PII in remarks is all found, nothing else changes."""

from __future__ import annotations

import random

import pytest
from faker import Faker

from govdata import config
from govdata.classify.column import get_classifier
from govdata.mask.sql import ensure_mask_functions
from govdata.mask.table import TableMasker, personal_identifiers
from govdata.publish.datasets import PersonalColumn
from govdata.publish.leak_guard import check_leaks
from govdata.publish.scan import mask_text_columns, prefilter

ROWS = 2000
CLEAN_REMARKS = ["已办结", "材料齐全，准予受理", "待补正材料", "现场核验通过", "", "无", "2026年第3批次", "复核中"]


def _id(rng: random.Random) -> str:
    from stdnum.cn import ric

    body = f"{rng.choice(['110101', '440305', '320102'])}{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}"
    body += f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")  # it takes the whole number, check digit included


@pytest.fixture(scope="module")
def table(warehouse_conn):
    """raw_scan_test.t (the raw side) and publish_work.scan_test (the candidate): 2 % of remarks hold PII."""
    ensure_mask_functions(warehouse_conn)
    fake = Faker("zh_CN")
    Faker.seed(7)
    rng = random.Random(7)
    conn = warehouse_conn
    conn.execute("drop schema if exists raw_scan_test cascade")
    conn.execute("create schema raw_scan_test")
    conn.execute("create schema if not exists publish_work")
    conn.execute("drop table if exists publish_work.scan_test")
    conn.execute("create table raw_scan_test.t (sfzh text, xm text, bz text, bh text)")
    planted: list[tuple[str, str]] = []  # (bh, remark)
    rows = []
    for i in range(ROWS):
        sfzh, name = _id(rng), fake.name()
        if i % 50 == 7:
            remark = f"申请人{name}，联系电话{fake.phone_number()}，已电话告知"
            planted.append((f"{i:06d}", remark))
        elif i % 50 == 31:
            remark = f"代办人身份证号{_id(rng)}"
            planted.append((f"{i:06d}", remark))
        else:
            remark = rng.choice(CLEAN_REMARKS)
        rows.append((sfzh, name, remark, f"{i:06d}"))
    with conn.cursor().copy("copy raw_scan_test.t from stdin") as copy:
        for row in rows:
            copy.write_row(row)
    conn.execute(
        "create table publish_work.scan_test as"
        " select row_number() over ()::bigint as _row_id, bz, bh from raw_scan_test.t"
    )
    return planted


def _masker():
    return TableMasker(get_classifier(), config.load_masking_config().policy(config.PUBLICATION_POLICY))


def test_every_planted_remark_is_masked_and_nothing_else_changes(warehouse_conn, table):
    before = dict(warehouse_conn.execute("select bh, bz from publish_work.scan_test").fetchall())
    bh_before = warehouse_conn.execute("select array_agg(bh order by _row_id) from publish_work.scan_test").fetchone()
    changed = mask_text_columns(
        warehouse_conn, ("publish_work", "scan_test"), ["bz", "bh"], _masker(), free_text={"bz"}
    )
    after = dict(warehouse_conn.execute("select bh, bz from publish_work.scan_test").fetchall())
    planted_rows = {row for row, _ in table}
    assert changed == {"bz": len(planted_rows)}
    changed_rows = {r for r in after if after[r] != before[r]}
    assert changed_rows == planted_rows, [(r, before[r], after[r]) for r in changed_rows ^ planted_rows][:6]
    for row, remark in table:
        assert after[row] != remark and "*" in after[row]
    assert warehouse_conn.execute("select array_agg(bh order by _row_id) from publish_work.scan_test").fetchone() == (
        bh_before
    )  # leading zeros, every value kept


def _passes(conn, texts: list[str], free_text: bool) -> list[bool]:
    """The full scan's pre-filter on each text, as cells of a table (streamed out as the scan streams them)."""
    from govdata.mask.prefilter import columns_candidate_ids

    conn.execute("drop table if exists publish_work.prefilter_probe")
    conn.execute("create table publish_work.prefilter_probe (_row_id bigint primary key, v text)")
    with conn.cursor().copy("copy publish_work.prefilter_probe from stdin") as copy:
        for i, text in enumerate(texts):
            copy.write_row((i, text))
    patterns = prefilter(get_classifier(), free_text)
    passed = set(columns_candidate_ids(conn, ("publish_work", "prefilter_probe"), "_row_id", {"v": patterns})["v"])
    return [i in passed for i in range(len(texts))]


def test_the_prefilter_lets_every_cell_with_a_finding_through(warehouse_conn, table):
    masker = _masker()
    cells = (
        [remark for _, remark in table] + CLEAN_REMARKS + ["13812345678", "a@b.cn", "粤B12345", "2001:db8:0:0:0:0:0:1"]
    )
    for free_text in (True, False):
        passes = _passes(warehouse_conn, cells, free_text)
        for text, passed in zip(cells, passes, strict=True):
            if masker.spans(text, only_identifiers=not free_text):
                assert passed, text


def _noisy_texts(n: int) -> list[str]:
    """Free texts built from identifiers, names, addresses and cues, written as people write them.

    Full-width digits, spaces and dashes inside numbers, dash variants, no-break spaces, combining marks, emoji.
    """
    fake = Faker("zh_CN")
    Faker.seed(11)
    rng = random.Random(11)
    full = str.maketrans("0123456789Xx@.-", "０１２３４５６７８９Ｘｘ＠．－")
    pieces = [
        lambda: _id(rng), fake.phone_number, fake.email, fake.credit_card_number, fake.name, fake.address,
        lambda: f"AJ{rng.randint(0, 99_999_999):08d}", lambda: f"SL{2026_000_000 + rng.randint(0, 999_999)}",
        lambda: rng.choice(["申请人", "联系人", "家住", "先生", "女士", "，", "。", " ", "\u00a0", "\u3000"]),
        lambda: rng.choice(["已办结", "材料齐全", "e\u0301", "😀", "①", "Ⅻ", "粤B", "京A·", "第3批次", "\\", "\\N"]),
        lambda: rng.choice(["\n", "\t", "\r\n", "\f", "\b", "\v"]),
        fake.ipv4, fake.license_plate,
    ]  # fmt: skip

    def spoil(piece: str) -> str:
        draw = rng.random()
        if draw < 0.2:
            return piece.translate(full)
        if draw < 0.4 and len(piece) > 6:
            cut = rng.randrange(1, len(piece) - 1)
            return piece[:cut] + rng.choice([" ", "-", "—", "－", "\u2212", "  ", " -"]) + piece[cut:]
        return piece

    return ["".join(spoil(str(rng.choice(pieces)())) for _ in range(rng.randint(1, 4))) for _ in range(n)]


def test_the_prefilter_is_a_superset_of_the_classifiers_own_pre_check(warehouse_conn):
    """What the classifier would look at in Python is never filtered out in PostgreSQL — and the filter filters."""
    from govdata.classify.normalize import normalize_text

    classifier = get_classifier()
    texts = _noisy_texts(4000)
    identifiers = personal_identifiers(classifier)
    for free_text in (True, False):
        passes = _passes(warehouse_conn, texts, free_text)
        for text, passed in zip(texts, passes, strict=True):
            norm = normalize_text(text).text
            wanted = (
                classifier.free_text.might_hold_pii(norm)
                if free_text
                else any(m.validated_in(norm) for m in identifiers)
            )
            if wanted:
                assert passed, (free_text, text, norm)
    # and it is a filter: receipt and case numbers, stock phrases hold no identifier's shape
    assert _passes(warehouse_conn, ["SL2026000001", "案卷号AJ00001234", "已办结", "第12批次"], False) == [False] * 4
    assert _passes(warehouse_conn, ["已办结", "材料齐全，准予受理", "第12批次，案卷号AJ00001234"], True) == [False] * 3


def test_a_company_code_is_public_and_not_a_finding(warehouse_conn):
    """A report number embedding a 统一社会信用代码 (a company's, public) is kept, and never sent to Presidio."""
    uscc = "914403003PE8MREM9K"
    masker = _masker()
    assert any(m.validated_in(uscc) for m in masker.classifier.structured.matchers if m.confirming)
    assert masker.spans(f"NB2024{uscc}", only_identifiers=True) == []
    assert _passes(warehouse_conn, [f"NB2024{uscc}", uscc], False) == [False, False]


def test_columns_filtered_together_pass_what_each_passes_alone(warehouse_conn):
    """One COPY for several columns, each with its own patterns: the same cells as a column at a time."""
    from govdata.mask.prefilter import columns_candidate_ids

    texts = _noisy_texts(600)
    n = len(texts)
    rows = [(i, texts[i], texts[-1 - i], None if i % 7 == 0 else texts[(i * 5) % n]) for i in range(n)]
    warehouse_conn.execute("drop table if exists publish_work.prefilter_columns")
    warehouse_conn.execute("create table publish_work.prefilter_columns (_row_id bigint, a text, b text, c text)")
    with warehouse_conn.cursor().copy("copy publish_work.prefilter_columns from stdin") as copy:
        for row in rows:
            copy.write_row(row)
    classifier = get_classifier()
    wanted = {"a": prefilter(classifier, True), "b": prefilter(classifier, False), "c": prefilter(classifier, True)}
    relation = ("publish_work", "prefilter_columns")
    together = columns_candidate_ids(warehouse_conn, relation, "_row_id", wanted)
    for column, patterns in wanted.items():
        alone = columns_candidate_ids(warehouse_conn, relation, "_row_id", {column: patterns})[column]
        assert list(together[column]) == list(alone), column
        assert 0 < len(alone) < len(rows), column  # a filter: some pass, some not
    assert not {i for i, *_ in rows if i % 7 == 0} & set(together["c"])  # a null cell never passes


def test_the_guard_passes_a_masked_candidate_and_finds_a_planted_raw_value(warehouse_conn, table):
    sources = [
        PersonalColumn("raw_scan_test", "t", "sfzh", "CN_RESIDENT_ID"),
        PersonalColumn("raw_scan_test", "t", "xm", "PERSON"),
    ]
    relation = ("publish_work", "scan_test")
    report = check_leaks(warehouse_conn, relation, ["bz", "bh"], sources)
    assert report.ok, report.summary()
    raw_id, raw_name = warehouse_conn.execute("select sfzh, xm from raw_scan_test.t where bh = '000100'").fetchone()
    spaced = f"{raw_id[:6]}－{raw_id[6:14]} {raw_id[14:]}"  # a full-width dash and a space: still the same ID
    warehouse_conn.execute("update publish_work.scan_test set bh = %s where _row_id = 5", (spaced,))
    warehouse_conn.execute("update publish_work.scan_test set bz = %s where _row_id = 6", (f" {raw_name} ",))
    report = check_leaks(warehouse_conn, relation, ["bz", "bh"], sources)
    hits = {(h.check, h.column, h.entity) for h in report.hits}
    assert ("recognizer", "bh", "CN_RESIDENT_ID") in hits
    assert ("join", "bh", "CN_RESIDENT_ID") in hits
    assert ("join", "bz", "PERSON") in hits
    text = report.summary() + str(report.as_dict())
    assert raw_id not in text and raw_id[6:14] not in text and raw_name not in text
    assert report.as_dict()["ok"] is False
