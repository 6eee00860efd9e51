"""Readable summary of the field classification, for `govdata run`."""

from __future__ import annotations

from govdata import warehouse


def classification_summary_lines() -> list[str]:
    """Fields per grade, personal-data entities found, and what waits for a reviewer."""
    with warehouse.connect(autocommit=True) as wh:
        grades: dict[str, int] = dict(
            wh.execute("select grade, count(*) from governance.field_classification group by 1").fetchall()
        )
        entities = wh.execute(
            "select entity, count(*) from governance.field_classification where entity <> 'NONE'"
            " group by 1 order by 2 desc, 1"
        ).fetchall()
        review = warehouse.one_row(
            wh.execute(
                "select count(*) filter (where needs_review), count(*) filter (where is_reviewed),"
                " count(*) filter (where grade in ('L3', 'L4') and not is_reviewed)"
                " from governance.field_classification"
            )
        )
        tables: dict[str, int] = dict(
            wh.execute("select grade, count(*) from governance.table_classification group by 1").fetchall()
        )
    total = sum(grades.values())
    return [
        f"{total} fields: " + ", ".join(f"{g} {grades.get(g, 0)}" for g in ("L1", "L2", "L3", "L4")),
        f"{sum(tables.values())} tables: " + ", ".join(f"{g} {tables.get(g, 0)}" for g in ("L1", "L2", "L3", "L4")),
        "personal data: " + ", ".join(f"{e} {n}" for e, n in entities),
        f"review: {review[2]} L3/L4 fields not yet confirmed by a reviewer, {review[0]} overrides to re-check, "
        f"{review[1]} reviewed (`govdata review --list`)",
    ]
