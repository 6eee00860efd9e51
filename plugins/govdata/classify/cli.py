"""`govdata classify PATH` (classify a CSV/XLSX file) and `govdata review` (reviewer overrides in the warehouse)."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govdata.classify.grading import ColumnClassification, TableClassification


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``classify`` subcommand."""
    parser = subparsers.add_parser(
        "classify",
        help="分类分级: classify and grade the columns of a CSV/XLSX file",
        description=(
            "Classify every column of a CSV (any common Chinese encoding) or XLSX file: entity "
            "(居民身份证号, 手机号, 姓名, 地址 …), GB/T 35273 category, grade L1–L4, confidence and masked evidence."
        ),
    )
    parser.add_argument("path", type=Path, help="CSV or XLSX file")
    parser.add_argument("--sheet", help="worksheet of an XLSX workbook (default: the first one with data)")
    parser.add_argument("--json", action="store_true", help='print {"columns": [...]} as JSON')
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print how the file was read: header rows, rows above it and footer rows dropped, columns flattened",
    )
    parser.add_argument(
        "--header-rows",
        metavar="FIRST[-LAST]",
        help="the header rows (1-based), e.g. 3 or 3-4, instead of what the reader decides (header_rows in config)",
    )
    parser.add_argument(
        "--skip-footer",
        type=int,
        metavar="N",
        help="rows at the bottom that are not records (skip_footer in config); 0 keeps every row",
    )
    parser.add_argument(
        "--sample-size",
        type=int,
        default=None,
        metavar="N",
        help="rows sampled per column (default 100, from config/classification.yaml)",
    )
    parser.set_defaults(func=run_classify)
    register_review(subparsers)


def run_classify(args: argparse.Namespace) -> int:
    """Read the file, classify each column in file order, print JSON or a readable table."""
    from pydantic import ValidationError

    from govdata.errors import CommandError
    from govdata.files import FileReadError, read_tabular

    if args.sample_size is not None and args.sample_size < 1:
        raise CommandError("--sample-size must be at least 1")
    override = _override(args)
    try:
        tables = read_tabular(args.path, args.sheet, _AnyTable(override) if override else None)
    except FileReadError as exc:
        raise CommandError(str(exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.path}: cannot read ({type(exc).__name__}: {exc})") from exc
    if not tables:
        raise CommandError(f"{args.path.name}: no worksheet with a header row")
    table = tables[0]
    if len(tables) > 1:
        names = ", ".join(t.name for t in tables)
        print(f"note: classifying table {table.name!r} of {names}; choose a sheet with --sheet", file=sys.stderr)

    from govdata.classify.column import classify_column, get_classifier, grade_table

    try:
        classifier = get_classifier()
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        raise CommandError(f"classification config is invalid: {exc}") from exc
    size = args.sample_size or classifier.rules.sample_size
    results = [
        classify_column(column, [row[i] for row in table.rows], sample_size=size, classifier=classifier)
        for i, column in enumerate(table.columns)
    ]
    graded = grade_table(results, row_count=len(table.rows), classifier=classifier)
    if args.json:
        payload = {
            "file": str(args.path),
            "sheet": table.sheet,
            "rows": len(table.rows),
            "sample_size": size,
            "recognizer_version": classifier.version,
            "columns": [r.to_dict() for r in results],
            "table": graded.to_dict(),
        }
        if args.explain and table.layout is not None:
            payload["layout"] = table.layout.to_dict()
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_table(table.label, len(table.rows), size, results, graded))
        if args.explain and table.layout is not None:
            print("\n" + "\n".join(table.layout.explain()))
    return 0


def _override(args: argparse.Namespace) -> Any:
    """--header-rows / --skip-footer as the reader's layout override, or None."""
    from govdata.errors import CommandError
    from govdata.layout import Override

    if args.header_rows is None and args.skip_footer is None:
        return None
    rows = None
    if args.header_rows is not None:
        try:
            parts = [int(p) for p in args.header_rows.split("-")]
        except ValueError:
            parts = []
        if not (1 <= len(parts) <= 2 and parts[0] >= 1 and parts[0] <= parts[-1]):
            raise CommandError("--header-rows is a row number (3) or a range (3-4)")
        rows = (parts[0], parts[-1])
    if args.skip_footer is not None and args.skip_footer < 0:
        raise CommandError("--skip-footer must be 0 or more")
    return Override(header_rows=rows, skip_footer=args.skip_footer)


class _AnyTable(dict):
    """The same override for every table of the file (the command reads one file)."""

    def __init__(self, override: Any) -> None:
        super().__init__()
        self.override = override

    def get(self, key: object, default: Any = None) -> Any:
        return self.override


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _basis(result: ColumnClassification) -> str:
    ev: dict[str, Any] = result.evidence
    parts = []
    if ev.get("recognizer"):
        share = ev.get("share")
        parts.append(f"{ev['recognizer']} {share:.0%}" if isinstance(share, float) else ev["recognizer"])
    if ev.get("cells_with_pii"):
        parts.append(f"{ev['cells_with_pii']} cells: " + ",".join(sorted(ev.get("embedded", {}))))
    if ev.get("header_rule"):
        parts.append(ev["header_rule"])
    if ev.get("category_rule"):
        parts.append(ev["category_rule"])
    if ev.get("examples"):
        parts.append("e.g. " + ev["examples"][0])
    if ev.get("note"):
        parts.append(ev["note"])
    return " · ".join(parts) or "-"


def render_table(
    label: str, rows: int, sample_size: int, results: list[ColumnClassification], graded: TableClassification
) -> str:
    """The readable Chinese/English table printed without --json."""
    headers = ["字段 column", "实体 entity", "类别 category", "分级 grade", "置信度 conf.", "依据 evidence"]
    body = [[r.name, r.entity, r.category, r.grade, f"{r.confidence:.2f}", _basis(r)] for r in results]
    widths = [max(_width(row[i]) for row in [headers, *body]) for i in range(len(headers) - 1)]
    lines = [f"文件 file: {label}  ({rows} 行 rows, 每列抽样 sample ≤ {sample_size})", ""]
    for row in [headers, *body]:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    lines.append("")
    lines.append(f"表分级 table grade: {graded.grade} · GB/T 43697: {graded.gbt43697}数据")
    lines.extend(f"  - {reason}" for reason in graded.reasons)
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ review
def register_review(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``review`` subcommand (imports nothing heavy: every `govdata` command builds this parser)."""
    parser = subparsers.add_parser(
        "review",
        help="人工复核: confirm or correct a field's classification, or list fields to review",
        description=(
            "Record a reviewer's decision on one classified field in the warehouse. Decisions persist across\n"
            "crawls, always win over the automatic result and are audited (governance.classification_audit).\n"
            "Fields set in config/classification_overrides.yaml are changed in that file (--confirm still works)."
        ),
        epilog=(
            "examples:\n"
            '  govdata review rsj sbk_xx sbkh --grade L3 --category 个人身份信息 --reason "社保卡号可识别个人"\n'
            "  govdata review gaj hj_rkxx xm --confirm\n"
            "  govdata review --list --needs-review"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("department", nargs="?", help="department code (config/departments.yaml)")
    parser.add_argument("table", nargs="?", help="table (source name as harvested, or its raw table name)")
    parser.add_argument("column", nargs="?", help="column name")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list classified fields (of DEPARTMENT [TABLE])")
    action.add_argument("--confirm", action="store_true", help="confirm the field's current classification")
    action.add_argument("--clear", action="store_true", help="remove the reviewer's decision (back to automatic)")
    parser.add_argument("--entity", metavar="ENTITY", help="entity type, e.g. CN_RESIDENT_ID, PERSON, NONE")
    parser.add_argument("--category", help="category (GB/T 35273), e.g. 个人身份信息")
    parser.add_argument("--grade", choices=("L1", "L2", "L3", "L4"), help="grade L1–L4")
    parser.add_argument("--gbt43697", choices=("一般", "重要", "核心"), help="GB/T 43697 level")
    parser.add_argument("--reason", help="why (required for a change; recorded in the audit trail)")
    parser.add_argument("--reviewer", help="who decides (default: $GOVDATA_REVIEWER or the login name)")
    parser.add_argument("--needs-review", action="store_true", help="with --list: only fields flagged for review")
    parser.add_argument("--reviewed", action="store_true", help="with --list: only reviewed fields")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run_review)


def _reviewer(args: argparse.Namespace) -> str:
    import getpass
    import os

    if args.reviewer:
        return args.reviewer
    return os.environ.get("GOVDATA_REVIEWER") or getpass.getuser()


def run_review(args: argparse.Namespace) -> int:
    """Apply a decision or print the list."""
    from govdata.classify.review import ReviewError, list_fields, review_field
    from govdata.errors import CommandError

    if args.list:
        if args.column:
            raise CommandError("--list takes at most DEPARTMENT and TABLE")
        rows = list_fields(args.department, args.table, needs_review=args.needs_review, reviewed=args.reviewed)
        if args.json:
            print(json.dumps([_jsonable(r) for r in rows], ensure_ascii=False, indent=2))
        else:
            print(render_review_list(rows))
        return 0
    if args.needs_review or args.reviewed:
        raise CommandError("--needs-review and --reviewed go with --list")
    if not (args.department and args.table and args.column):
        raise CommandError("give DEPARTMENT TABLE COLUMN (or --list)")
    try:
        row = review_field(
            args.department,
            args.table,
            args.column,
            reviewer=_reviewer(args),
            reason=args.reason,
            entity=args.entity,
            category=args.category,
            grade=args.grade,
            gbt43697=args.gbt43697,
            confirm=args.confirm,
            clear=args.clear,
        )
    except ReviewError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print(json.dumps(_jsonable(row), ensure_ascii=False, indent=2))
    else:
        state = "automatic" if not row["is_overridden"] else f"reviewed by {row['reviewed_by']}"
        print(
            f"{row['department_code']}.{row['source_name']}.{row['column_name']}: {row['entity']} · "
            f"{row['category']} · {row['grade']} · GB/T 43697 {row['gbt43697']} ({state}; "
            f"automatic: {row['auto_entity']} {row['auto_grade']})"
        )
    return 0


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime
    from decimal import Decimal

    out = {}
    for key, value in row.items():
        if isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        out[key] = value
    return out


def render_review_list(rows: list[dict[str, Any]]) -> str:
    """The readable list printed by `govdata review --list`."""
    if not rows:
        return "no classified fields match"
    headers = [
        "部门 dept",
        "表 table",
        "字段 column",
        "实体 entity",
        "类别 category",
        "分级",
        "自动 auto",
        "复核 review",
    ]
    body = []
    for r in rows:
        review = ""
        if r["needs_review"]:
            review = "⚠ needs review" + (" (error)" if r["is_error"] else "")
        elif r["is_reviewed"]:
            review = f"✓ {r['reviewed_by']} ({r['override_source']})"
        body.append(
            [r["department_code"], r["source_name"], r["column_name"], r["entity"], r["category"], r["grade"],
             f"{r['auto_entity']} {r['auto_grade']}", review]
        )  # fmt: skip
    widths = [max(_width(row[i]) for row in [headers, *body]) for i in range(len(headers) - 1)]
    lines = ["  ".join(_pad(c, widths[i]) for i, c in enumerate(row[:-1])) + "  " + row[-1] for row in [headers, *body]]
    lines.append(f"\n{len(rows)} field(s), {sum(1 for r in rows if r['needs_review'])} need review")
    return "\n".join(lines)
