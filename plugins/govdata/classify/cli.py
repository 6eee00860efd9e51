"""`govdata classify PATH`: classify and grade the columns of a CSV or XLSX file."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govdata.classify.column import ColumnClassification, TableClassification


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
        "--sample-size",
        type=int,
        default=None,
        metavar="N",
        help="rows sampled per column (default 100, from config/classification.yaml)",
    )
    parser.set_defaults(func=run_classify)


def run_classify(args: argparse.Namespace) -> int:
    """Read the file, classify each column in file order, print JSON or a readable table."""
    from pydantic import ValidationError

    from govdata.cli import CommandError
    from govdata.files import FileReadError, read_tabular

    if args.sample_size is not None and args.sample_size < 1:
        raise CommandError("--sample-size must be at least 1")
    try:
        tables = read_tabular(args.path, args.sheet)
    except FileReadError as exc:
        raise CommandError(str(exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.path}: cannot read ({type(exc).__name__}: {exc})") from exc
    if not tables:
        raise CommandError(f"{args.path.name}: no worksheet with a header row")
    table = tables[0]
    if len(tables) > 1:
        names = ", ".join(t.sheet or t.name for t in tables)
        print(f"note: classifying sheet {table.sheet!r} of {names}; choose another with --sheet", file=sys.stderr)

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
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(render_table(table.label, len(table.rows), size, results, graded))
    return 0


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
