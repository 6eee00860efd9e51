"""Report-shaped spreadsheets (报表) read by the one file reader: header block, footers, merges, several tables."""

from __future__ import annotations

import json

import pytest

from govdata.files import FileReadError, read_tabular
from govdata.layout import Override

TITLE = "深圳市福田区2024年第三季度高龄津贴发放明细表"
LEAVES = ["序号", "街道", "姓名", "身份证号码", "联系电话", "发放金额（元）", "发放月份", "备注"]
NAMES = ["序号", "街道", "申领人信息/姓名", "申领人信息/身份证号码", "申领人信息/联系电话",
         "发放信息/发放金额（元）", "发放信息/发放月份", "备注"]  # fmt: skip


def _people(n: int = 60) -> list[list[object]]:
    return [
        [
            i,
            "园岭街道" if i <= 20 else "南园街道",
            f"张{i:02d}",
            f"44030419400101{i:04d}",
            f"138{i:08d}",
            500,
            "2024年7月",
            None,
        ]
        for i in range(1, n + 1)
    ]


def _issue_workbook(path, rows=None, *, merge_street=False, hidden=False):
    """The workbook of issue #14: merged title, 填报 row, two-row merged header, 合计 and sign-off rows."""
    from openpyxl import Workbook

    rows = _people() if rows is None else rows
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([TITLE])
    ws.merge_cells("A1:H1")
    ws.append(["填报单位：福田区民政局", None, None, None, None, "填报日期：2024年10月8日"])
    ws.append(["序号", "街道", "申领人信息", None, None, "发放信息", None, "备注"])
    ws.append([None, None, "姓名", "身份证号码", "联系电话", "发放金额（元）", "发放月份", None])
    for cells in ("A3:A4", "B3:B4", "C3:E3", "F3:G3", "H3:H4"):
        ws.merge_cells(cells)
    for row in rows:
        ws.append(row)
    if merge_street:
        for r in range(5, 5 + len(rows)):
            if r not in (5, 25):
                ws.cell(r, 2).value = None
        ws.merge_cells("B5:B24")
        ws.merge_cells(f"B25:B{4 + len(rows)}")
    ws.append(["合计", None, None, None, None, 500 * len(rows)])
    ws.append(["制表人：陈晓琳", None, None, "审核人：刘建国", None, None, "联系电话：0755-83918000"])
    if hidden:
        ws.row_dimensions[6].hidden = True
        ws.column_dimensions["E"].hidden = True
    wb.save(path)
    return path


def test_the_issue_workbook_is_read_with_its_header_block_and_without_footers(tmp_path):
    (table,) = read_tabular(_issue_workbook(tmp_path / "高龄津贴.xlsx"))
    assert table.name == "高龄津贴__Sheet1"
    assert table.columns == NAMES
    assert [c.leaf for c in table.layout.columns] == LEAVES
    assert len(table.rows) == 60
    assert table.rows[0] == ["1", "园岭街道", "张01", "440304194001010001", "13800000001", "500", "2024年7月", None]
    layout = table.layout
    assert not layout.plain
    assert layout.header_rows == (3, 4)
    assert layout.preamble_rows == [1, 2] and layout.title == TITLE
    assert layout.data_rows == (5, 64) and layout.footer_rows == [65, 66]
    assert layout.metadata == {
        "reported_by": "福田区民政局", "reported_on": "2024-10-08", "prepared_by": "陈晓琳", "reviewed_by": "刘建国",
    }  # fmt: skip
    assert "联系电话" not in json.dumps(layout.metadata, ensure_ascii=False), "a sign-off phone is personal data"
    assert json.loads(json.dumps(layout.to_dict()))["columns"][2] == {
        "name": "申领人信息/姓名",
        "leaf": "姓名",
        "col": 3,
    }


def test_the_same_report_as_csv(tmp_path):
    lines = [TITLE, "填报单位：福田区民政局,,,,,填报日期：2024-10-08", "序号,街道,申领人信息,,,发放信息,,备注",
             ",,姓名,身份证号码,联系电话,发放金额（元）,发放月份,"]  # fmt: skip
    lines += [",".join("" if v is None else str(v) for v in row) for row in _people(5)]
    lines += ["合计,,,,,2500,,", "制表人：陈晓琳", "注：金额单位为元。"]
    path = tmp_path / "高龄津贴.csv"
    path.write_text("\n".join(lines) + "\n", encoding="gbk")
    (table,) = read_tabular(path)
    assert table.name == "高龄津贴" and table.encoding == "gbk"
    assert table.columns == NAMES
    assert len(table.rows) == 5 and table.rows[4][3] == "440304194001010005"
    assert table.layout.footer_rows == [10, 11, 12]
    assert table.layout.metadata["reported_on"] == "2024-10-08"


def test_merged_street_cells_are_filled_down_and_hidden_rows_and_columns_read_and_flagged(tmp_path):
    (table,) = read_tabular(_issue_workbook(tmp_path / "m.xlsx", merge_street=True, hidden=True))
    assert [r[1] for r in table.rows] == ["园岭街道"] * 20 + ["南园街道"] * 40
    assert table.layout.filled_down == ["街道 B5:B24", "街道 B25:B64"]
    assert table.layout.hidden_rows == [6]
    assert table.layout.hidden_columns == ["申领人信息/联系电话"]
    assert table.rows[1][4] == "13800000002", "hidden cells are data too"


def test_vertically_merged_and_multi_line_header_cells(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["人员名单"])
    ws.append(["序号", "身份证\n号码", "Phone\nnumber", "家庭信息", None])
    ws.append([None, None, None, "人口\r\n数", "住址"])
    for cells in ("A2:A3", "B2:B3", "C2:C3", "D2:E2"):
        ws.merge_cells(cells)
    ws.append([1, "440304194001010001", "13800000001", 3, "深圳市福田区园岭街道1号"])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    (table,) = read_tabular(path)
    assert table.columns == ["序号", "身份证号码", "Phone number", "家庭信息/人口数", "家庭信息/住址"]
    assert table.rows == [["1", "440304194001010001", "13800000001", "3", "深圳市福田区园岭街道1号"]]


def test_dates_and_numbers_are_normalised_in_report_shaped_files(tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["补贴发放表"])
    ws.append(["姓名", "发放日期", "登记时间", "金额", "编号"])
    ws.append(["张三", 45474, datetime(2024, 7, 2), " 1,365.00 ", "001234"])
    ws.append(["李四", "45475", datetime(2024, 7, 3, 8, 30), "２００", "001235"])
    path = tmp_path / "d.xlsx"
    wb.save(path)
    (table,) = read_tabular(path)
    assert table.rows == [
        ["张三", "2024-07-01", "2024-07-02", "1365.00", "001234"],
        ["李四", "2024-07-02", "2024-07-03 08:30:00", "200", "001235"],
    ]
    assert table.layout.normalised == {"发放日期": {"date_serial": 2}, "金额": {"number_text": 2}}


def test_two_tables_in_one_sheet_are_read_as_two_tables(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["一、国家助学金"])
    ws.append(["序号", "姓名", "身份证号码"])
    ws.append([1, "张三", "440304200901010001"])
    ws.append([2, "李四", "440304200901010002"])
    ws.append([])
    ws.append([])
    ws.append(["二、免学费"])
    ws.append(["序号", "学生姓名", "金额"])
    ws.append([1, "王五", 2500])
    ws.append(["合计", None, 2500])
    path = tmp_path / "资助.xlsx"
    wb.save(path)
    first, second = read_tabular(path)
    assert (first.name, second.name) == ("资助__名单", "资助__名单__2")
    assert first.columns == ["序号", "姓名", "身份证号码"] and len(first.rows) == 2
    assert second.columns == ["序号", "学生姓名", "金额"] and second.rows == [["1", "王五", "2500"]]
    assert second.layout.header_rows == (8, 8) and second.layout.footer_rows == [10]
    assert second.layout.title == "二、免学费" and second.layout.part == 2


def test_a_blank_row_inside_the_data_is_skipped_not_a_new_table(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("姓名,电话\n张三,13800000001\n\n李四,13800000002\n", encoding="utf-8")
    (table,) = read_tabular(path)
    assert table.rows == [["张三", "13800000001"], ["李四", "13800000002"]]
    assert table.layout.plain


def test_config_overrides_header_rows_and_footer(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("说明,随便写的\n备用,行\n姓名,电话\n张三,13800000001\n李四,13800000002\n", encoding="utf-8")
    (table,) = read_tabular(path, overrides={"o": Override(header_rows=(3, 3), skip_footer=1)})
    assert table.columns == ["姓名", "电话"]
    assert table.rows == [["张三", "13800000001"]]
    assert table.layout.overridden == ["header_rows", "skip_footer"]
    assert table.layout.footer_rows == [5]


@pytest.mark.parametrize(
    "text",
    [
        "姓名,联系电话\n张三,13800138000\n李四,13900139000\n",
        "name,phone\nJosé,1\n",
        "序号,项目,金额\n1,合计以外,3\n",  # a value starting like a keyword, not in the first cell
    ],
)
def test_plain_files_take_the_plain_path(tmp_path, text):
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    (table,) = read_tabular(path)
    assert table.layout.plain and table.layout.header_rows == (1, 1)
    lines = text.strip().split("\n")
    assert table.columns == lines[0].split(",")
    assert len(table.rows) == len(lines) - 1


def test_ragged_rows_below_a_report_header_are_still_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("名单\n姓名,电话\n张三,1,2\n", encoding="utf-8")
    with pytest.raises(FileReadError, match=r"r.csv: 1 malformed rows: line 3: 3 fields, header has 2"):
        read_tabular(path)


def test_classify_explain_prints_the_layout(tmp_path, capsys):
    from govdata.cli import main

    path = _issue_workbook(tmp_path / "高龄津贴.xlsx")
    assert main(["classify", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "header rows: 3-4" in out and "footer rows dropped: 65-66" in out
    assert "申领人信息/联系电话" in out and "CN_MOBILE" in out
    assert main(["classify", str(path), "--json", "--explain"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["layout"]["header_rows"] == [3, 4]
    assert main(["classify", str(path), "--json", "--header-rows", "4", "--skip-footer", "0"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in payload["columns"]][:3] == ["序号", "街道", "姓名"]
    assert payload["rows"] == 62
