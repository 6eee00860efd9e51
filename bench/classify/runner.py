"""The govdata classifier as the benchmark runs it (one process, or chunks in worker processes)."""

from __future__ import annotations

from .generators import BenchColumn


def classify_ours(cols: list[BenchColumn]) -> list[tuple[str, str]]:
    """(entity, category) per column through govdata's classifier."""
    from govdata.classify.column import classify_column

    out = []
    for col in cols:
        result = classify_column(col.name, col.values)
        out.append((result.entity, result.category))
    return out


def warm(_: int) -> bool:
    """Build Presidio and jieba once in this process (a one-off per worker, kept out of the timing)."""
    from govdata.classify.column import classify_column

    classify_column("备注", ["联系人张三，电话13812345678，身份证110101199003074514"] * 3)
    classify_column("col_1", ["张伟", "王芳", "李娜"] * 30)
    return True


def classify_chunk(cols: list[BenchColumn]) -> list[tuple[str, str]]:
    """One worker's share of the parallel throughput run."""
    return classify_ours(cols)
