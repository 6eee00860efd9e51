"""`govdata mask PATH -o OUT`: no personal value survives, every other column is kept as written, errors are clear."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from govdata.cli import main
from govdata.demo.identifiers import resident_id

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["登记编号", "身份证号", "联系电话", "姓名", "备注", "状态", "金额", "办理日期"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
#: 2 % of 300 rows, none of them a row of an evenly spaced 100-row sample (every third row)
PLANTED_ROWS = (1, 52, 100, 151, 200, 250)
REMARKS = ["材料齐全，已受理", "已核实，按期办结", "补交材料后办结", "窗口现场办理", "待复核"]


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "150", "186", "177"]) + f"{rng.randrange(10**8):08d}"


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def an_id(rng: random.Random) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    return resident_id(rng, rng.choice(["110101", "440305", "330106"]), birth, rng.random() < 0.5)


def records(n: int = 300, seed: int = 7) -> tuple[list[list[str]], list[str]]:
    """Rows of the generated file, and the personal values planted in the remarks (2 % of the rows).

    The planted rows are none of the rows an evenly spaced 100-row sample of 300 takes (every third).
    """
    rng = random.Random(seed)
    rows, planted = [], []
    for i in range(n):
        remark = rng.choice(REMARKS)
        if i in PLANTED_ROWS:
            secret = mobile(rng) if len(planted) % 2 else an_id(rng)
            planted.append(secret)
            remark = f"{remark}，联系电话{secret}" if len(secret) == 11 else f"代办人身份证{secret}，{remark}"
        rows.append(
            [
                f"{i:06d}",  # leading zeros
                an_id(rng),
                mobile(rng),
                person(rng),
                remark,
                rng.choice(["NULL", "-", "已办结", "办理中"]),
                f"{rng.randrange(1, 500)}.{rng.choice(['00', '50', '10'])}",  # trailing zeros
                f"2024/{rng.randrange(1, 13)}/{rng.randrange(1, 29)}",  # a date as written
            ]
        )
    return rows, planted


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_csv_text(path: Path, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user types it (`govdata mask …`), in a process of its own."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    return subprocess.run(
        [sys.executable, "-m", "govdata.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def test_csv_no_personal_value_survives_and_other_columns_are_kept(tmp_path: Path) -> None:
    rows, planted = records()
    source = write_csv(tmp_path / "登记.csv", rows)
    out = tmp_path / "masked.csv"

    done = run_cli("mask", str(source), "-o", str(out))

    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    masked = read_csv_text(out)
    assert masked[0] == HEADER
    assert len(masked) == len(rows) + 1
    text = data.decode("utf-8-sig")
    personal = {HEADER.index(c) for c in ("身份证号", "联系电话", "姓名")}
    for raw, new in zip(rows, masked[1:], strict=True):
        assert len(new) == len(HEADER)
        for i in personal:
            assert new[i] != raw[i] and raw[i] not in text  # nowhere in the file, not only not in its column
        for i, column in enumerate(HEADER):
            if i not in personal and column != "备注":
                assert new[i] == raw[i], column  # exactly as written: 000123, NULL, -, 12.50, 2024/3/5
    remarks = HEADER.index("备注")
    for secret in planted:
        assert secret not in text
    kept_remarks = [
        (raw[remarks], new[remarks]) for raw, new in zip(rows, masked[1:], strict=True) if raw[remarks] in REMARKS
    ]
    assert kept_remarks and all(raw == new for raw, new in kept_remarks)  # only the spans are replaced
    planted_rows = [new[remarks] for raw, new in zip(rows, masked[1:], strict=True) if raw[remarks] not in REMARKS]
    assert len(planted_rows) == len(planted) and all("*" in r for r in planted_rows)
    assert "身份证号: masked as CN_RESIDENT_ID" in done.stderr


def test_csv_keep_encoding_writes_gbk(tmp_path: Path) -> None:
    rows, _ = records(60, seed=3)
    source = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    out = tmp_path / "out.csv"

    assert main(["mask", str(source), "-o", str(out), "--keep-encoding"]) == 0

    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    masked = read_csv_text(out, "gbk")
    assert masked[0] == HEADER and len(masked) == 61
    assert all(new[0] == raw[0] and new[1] != raw[1] for raw, new in zip(rows, masked[1:], strict=True))


def write_workbook(path: Path) -> tuple[list[list[str]], list[list[object]]]:
    """Two sheets: 登记 (text with personal columns, a date and a number column) and 统计 (numbers and dates)."""
    rng = random.Random(11)
    workbook = Workbook()
    first = workbook.active
    first.title = "登记"
    first.append(["编号", "姓名", "手机号", "身份证号", "办理日期", "件数"])
    people = []
    for i in range(40):
        row: list[object] = [f"{i:05d}", person(rng), mobile(rng), an_id(rng), dt.datetime(2024, 1 + i % 12, 3), i * 2]
        people.append([str(v) for v in row[1:4]])
        first.append(row)
    second = workbook.create_sheet("联系人")
    second.append(["区县", "联系人", "电话", "统计日期", "人数", "占比"])
    others: list[list[object]] = []
    for i in range(30):
        phone: object = mobile(rng)
        if i % 2:
            phone = int(str(phone))  # a phone number typed as a number
        row = ["南山区", person(rng), phone, dt.datetime(2024, 6, 1 + i % 28), 100 + i, 0.25]
        others.append(row)
        second.append(row)
    workbook.save(path)
    return people, others


def test_xlsx_every_sheet_masked_types_kept(tmp_path: Path) -> None:
    source = tmp_path / "登记.xlsx"
    people, others = write_workbook(source)
    out = tmp_path / "out.xlsx"

    done = run_cli("mask", str(source), "-o", str(out))

    assert done.returncode == 0, done.stderr
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["登记", "联系人"]
    first, second = workbook["登记"], workbook["联系人"]
    assert [c.value for c in first[1]] == ["编号", "姓名", "手机号", "身份证号", "办理日期", "件数"]
    assert first.max_row == 41 and second.max_row == 31
    for i, raw in enumerate(people):
        cells = first[i + 2]
        assert cells[0].value == f"{i:05d}"
        assert [c.value for c in cells[1:4]] != raw and all(c.value not in raw for c in cells[1:4])
        assert cells[4].value == dt.datetime(2024, 1 + i % 12, 3)  # a date stays a date
        assert cells[5].value == i * 2 and isinstance(cells[5].value, int)  # a number stays a number
    for i, raw in enumerate(others):
        cells = second[i + 2]
        assert cells[0].value == "南山区"
        assert cells[1].value != raw[1] and cells[2].value != raw[2] and "*" in cells[2].value
        assert str(raw[2])[:3] + "****" + str(raw[2])[-4:] == cells[2].value  # a number masked as text
        assert cells[3].value == raw[3] and cells[4].value == raw[4] and cells[5].value == 0.25


def test_xlsx_sheet_option_masks_only_that_sheet(tmp_path: Path) -> None:
    source = tmp_path / "登记.xlsx"
    people, others = write_workbook(source)
    out = tmp_path / "out.xlsx"

    assert main(["mask", str(source), "-o", str(out), "--sheet", "联系人"]) == 0

    workbook = load_workbook(out)
    assert workbook.sheetnames == ["登记", "联系人"]
    assert [[str(c.value) for c in workbook["登记"][i + 2][1:4]] for i in range(len(people))] == people
    assert all(workbook["联系人"][i + 2][2].value != raw[2] for i, raw in enumerate(others))


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "broken.xlsx: not a readable XLSX workbook"),
        ("bad.csv", b"\xff\xfe\xfa\x00\x00\x01garbage\x00\x00\x00", "bad.csv"),
        ("empty.csv", b"", "empty.csv: file is empty"),
    ],
)
def test_unreadable_file_exits_non_zero_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / ("out" + source.suffix)

    assert main(["mask", str(source), "-o", str(out)]) != 0

    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [source]  # no output, no temporary file left behind


def test_missing_file_and_wrong_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = run_cli("mask", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out.csv"))
    assert done.returncode != 0 and "nope.csv: no such file" in done.stderr
    source = tmp_path / "登记.xlsx"
    write_workbook(source)
    assert main(["mask", str(source), "-o", str(tmp_path / "out.xlsx"), "--sheet", "无此表"]) != 0
    assert "登记.xlsx: no sheet named '无此表'" in capsys.readouterr().err
    assert not (tmp_path / "out.xlsx").exists()
    before = source.read_bytes()
    assert main(["mask", str(source), "-o", str(source)]) != 0  # never over its own input
    assert main(["mask", str(source), "-o", str(tmp_path / "out.csv")]) != 0  # nor into another format
    err = capsys.readouterr().err
    assert "must not be the input file" in err and "must have the input's format (.xlsx)" in err
    assert source.read_bytes() == before and not (tmp_path / "out.csv").exists()


def test_demo_drop_files_leave_no_personal_value_and_keep_the_other_columns(tmp_path: Path) -> None:
    """Every readable drop-folder file of the demo: manifest personal columns masked, the rest read back the same."""
    from govdata.demo.build import generate
    from govdata.demo.dropfiles import write_drop_folder
    from govdata.files import read_tabular

    masked_files = 0
    for data in generate(20261122, 0.05, dt.date(2026, 11, 22)):
        if not data.files:
            continue
        folder = tmp_path / data.code
        write_drop_folder(folder, data.files, dt.datetime(2026, 11, 22))
        for drop in data.files:
            source, out = folder / drop.name, tmp_path / "out" / data.code / drop.name
            out.parent.mkdir(parents=True, exist_ok=True)
            code = main(["mask", str(source), "-o", str(out)])
            if drop.kind == "broken":
                assert code != 0 and not out.exists()
                continue
            assert code == 0, drop.name
            masked_files += 1
            before = {t.name: t for t in read_tabular(source)}
            after = {t.name: t for t in read_tabular(out)}
            assert list(after) == list(before)
            cells = {v for t in after.values() for row in t.rows for v in row if v is not None}
            text = "\n".join(cells)
            for table in drop.tables:
                personal = {c.name for c in table.columns if c.pii}
                name = next(n for n in before if n.endswith(table.name) or table.name.endswith(n))
                old, new = before[name], after[name]
                assert new.columns == old.columns and len(new.rows) == len(old.rows)
                for i, column in enumerate(old.columns):
                    if column.rsplit("/", 1)[-1] not in {p.rsplit("/", 1)[-1] for p in personal}:
                        assert [r[i] for r in new.rows] == [r[i] for r in old.rows], (drop.name, column)
                for column in table.columns:
                    if not column.pii:
                        continue
                    for value in table.values(column.name):
                        raw = None if value is None else str(value)
                        if raw:
                            assert raw not in cells, (drop.name, column.name)
                            assert len(raw) < 5 or raw not in text, (drop.name, column.name)
    assert masked_files >= 6


def test_a_column_the_classifier_fails_on_stops_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from govdata.classify.column import ColumnClassifier

    original = ColumnClassifier.classify

    def classify(self: ColumnClassifier, name: str, *args: object, **kwargs: object) -> object:
        if name == "联系电话":
            raise RuntimeError("recognizer broke")
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(ColumnClassifier, "classify", classify)
    source = write_csv(tmp_path / "登记.csv", records(30)[0])

    assert main(["mask", str(source), "-o", str(tmp_path / "out.csv")]) != 0

    err = capsys.readouterr().err
    assert "登记.csv: column '联系电话' cannot be classified (RuntimeError: recognizer broke)" in err
    assert list(tmp_path.iterdir()) == [source]


def test_header_personal_values_unconfirmed_masked_and_null_tokens_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 手机号 column whose values are no valid numbers is masked all the same (fail closed); NULL and - stay."""
    source = tmp_path / "名单.csv"
    values = ["1381234", "NULL", "0001234567", "-", "138-1234", "", "9912345"]
    source.write_text("序号,手机号\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)), encoding="utf-8")
    out = tmp_path / "out.csv"

    assert main(["mask", str(source), "-o", str(out)]) == 0

    masked = read_csv_text(out)
    assert masked[0] == ["序号", "手机号"]
    assert [r[0] for r in masked[1:]] == [str(i) for i in range(len(values))]
    for raw, (_, new) in zip(values, masked[1:], strict=True):
        if raw in ("NULL", "-", ""):
            assert new == raw
        else:
            assert new != raw and "*" in new
    assert "手机号: masked as CN_MOBILE" in capsys.readouterr().err


def test_report_shaped_sheet_title_and_header_kept_footer_spans_masked(tmp_path: Path) -> None:
    rng = random.Random(5)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append(["2024年第三季度临时救助名单"])
    sheet.merge_cells("A1:D1")
    sheet.append(["序号", "姓名", "身份证号码", "救助金额"])
    people = [[i + 1, person(rng), an_id(rng), 500 + i] for i in range(20)]
    for row in people:
        sheet.append(row)
    sheet.append([])
    sheet.append(["制表人：王芳", None, "联系电话：13812345678"])
    source, out = tmp_path / "名单.xlsx", tmp_path / "out.xlsx"
    workbook.save(source)

    assert main(["mask", str(source), "-o", str(out)]) == 0

    masked = load_workbook(out)["名单"]
    assert masked["A1"].value == "2024年第三季度临时救助名单" and "A1:D1" in masked.merged_cells
    assert [c.value for c in masked[2]] == ["序号", "姓名", "身份证号码", "救助金额"]
    for i, (number, name, number_id, amount) in enumerate(people):
        cells = [c.value for c in masked[i + 3]]
        assert cells[0] == number and cells[3] == amount
        assert (
            cells[1] != name and cells[1].startswith(name[0]) and cells[2] == number_id[:6] + "*" * 8 + number_id[-4:]
        )
    assert masked["C24"].value == "联系电话：138****5678"


def test_csv_without_personal_data_is_written_back_byte_for_byte(tmp_path: Path) -> None:
    """--keep-encoding on a file with nothing to mask: the same bytes (quotes, CRLF, empty fields, GBK)."""
    source = tmp_path / "统计.csv"
    source.write_bytes('编号,金额,状态,说明\r\n0001,"1,200.50",NULL,\r\n0002,3.10,-,"含""引号"""\r\n'.encode("gbk"))
    out = tmp_path / "out.csv"

    assert main(["mask", str(source), "-o", str(out), "--keep-encoding"]) == 0

    assert out.read_bytes() == source.read_bytes()
