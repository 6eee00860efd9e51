"""`govdata mask PATH -o OUT`: mask a CSV or XLSX file with the classifier and the publication policy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``mask`` subcommand."""
    parser = subparsers.add_parser(
        "mask",
        help="脱敏: mask the personal data of a CSV/XLSX file into a file of the same format",
        description=(
            "Classify every column of a CSV or XLSX file on all its values and write a masked copy: personal "
            "columns (身份证号, 手机号, 姓名 …) masked whole, free text (备注) with only the detected spans masked, "
            "every other column exactly as written (but a validated ID or mobile number found in one is masked). "
            "Rules: the 'publication' policy of config/masking.yaml."
        ),
    )
    parser.add_argument("path", type=Path, help="CSV or XLSX file to mask")
    parser.add_argument("-o", "--output", type=Path, required=True, help="masked file to write (same format)")
    parser.add_argument(
        "--sheet", help="mask only this worksheet of an XLSX workbook (the others are copied as they are)"
    )
    parser.add_argument(
        "--keep-encoding",
        action="store_true",
        help="write a CSV in the input's encoding (GBK …) instead of UTF-8 with BOM",
    )
    parser.set_defaults(func=run_mask)


def run_mask(args: argparse.Namespace) -> int:
    """Classify, mask and write; one summary line per column on stderr."""
    from govdata import config
    from govdata.classify.column import get_classifier
    from govdata.mask.file import mask_file
    from govdata.mask.table import TableMasker

    policy = config.load_masking_config().policy(config.PUBLICATION_POLICY)
    masker = TableMasker(get_classifier(), policy)
    reports = mask_file(args.path, args.output, masker, args.sheet, args.keep_encoding)
    for report in reports:
        print(report.line(), file=sys.stderr)
    masked = sum(1 for r in reports if r.plan.personal)
    print(f"{args.output}: {masked} of {len(reports)} columns masked", file=sys.stderr)
    return 0
