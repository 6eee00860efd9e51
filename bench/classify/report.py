"""Scores per entity and per group against the goals, the printed tables, and the name/address ablation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from govdata.classify.rules import OUTPUT_ENTITIES as ENTITIES

from .generators import BenchColumn

GROUPS = {
    "identifiers (ID, USCC, bank card, mobile)": ("CN_RESIDENT_ID", "CN_USCC", "CN_BANK_CARD", "CN_MOBILE"),
    "names and addresses": ("PERSON", "ADDRESS"),
    "free text with PII": ("FREE_TEXT_WITH_PII",),
}
GOALS = {"identifiers (ID, USCC, bank card, mobile)": 0.995, "names and addresses": 0.97, "free text with PII": 0.99}


def scores(cols: list[BenchColumn], predicted: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Precision, recall and support per entity label."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for col, (entity, _) in zip(cols, predicted, strict=True):
        if entity == col.entity:
            tp[entity] += 1
        else:
            fp[entity] += 1
            fn[col.entity] += 1
    table = {}
    for entity in ENTITIES:
        p_den, r_den = tp[entity] + fp[entity], tp[entity] + fn[entity]
        table[entity] = {
            "precision": tp[entity] / p_den if p_den else float("nan"),
            "recall": tp[entity] / r_den if r_den else float("nan"),
            "support": r_den,
            "tp": tp[entity],
            "fp": fp[entity],
            "fn": fn[entity],
        }
    for group, members in GROUPS.items():
        g_tp = sum(tp[e] for e in members)
        g_fp = sum(fp[e] for e in members)
        g_fn = sum(fn[e] for e in members)
        table[group] = {
            "precision": g_tp / (g_tp + g_fp) if g_tp + g_fp else float("nan"),
            "recall": g_tp / (g_tp + g_fn) if g_tp + g_fn else float("nan"),
            "support": g_tp + g_fn,
            "tp": g_tp,
            "fp": g_fp,
            "fn": g_fn,
        }
    return table


def _pct(x: float) -> str:
    return "   n/a" if x != x else f"{100 * x:6.2f}"


def goal_met(row: dict[str, float], goal: float) -> bool:
    """Whether a group's precision and recall both reach the goal (an empty group does not)."""
    return row["precision"] >= goal and row["recall"] >= goal


def missed_goals(table: dict[str, dict[str, float]], goals: dict[str, float]) -> list[str]:
    """The groups of ``goals`` whose precision or recall in ``table`` is below the goal, one line each."""
    return [
        f"{group}: precision {_pct(table[group]['precision']).strip()}%, recall "
        f"{_pct(table[group]['recall']).strip()}%, goal ≥ {100 * goal:.1f}%"
        for group, goal in goals.items()
        if not goal_met(table[group], goal)
    ]


def print_scores(
    title: str, table: dict[str, dict[str, float]], rate: float | None, goals: dict[str, float] | None = None
) -> None:
    """A per-entity table, with each group's goal (``GOALS`` unless given) marked met or not."""
    goals = GOALS if goals is None else goals
    print(f"\n{title}")
    print(f"  {'entity':42s} {'prec%':>6s} {'recall%':>7s} {'support':>7s}   fp  fn")
    for key, row in table.items():
        mark = ""
        if key in goals:
            ok = goal_met(row, goals[key])
            mark = f"  goal ≥ {100 * goals[key]:.1f}%: {'met' if ok else 'NOT met'}"
        print(
            f"  {key:42s} {_pct(row['precision'])} {_pct(row['recall']):>7s} {row['support']:7d} "
            f"{row['fp']:4d} {row['fn']:3d}{mark}"
        )
    if rate is not None:
        print(f"  throughput: {rate:,.0f} columns/s")


def name_address_ablation(cols: list[BenchColumn]) -> None:
    """Value-level precision/recall of the name and address approaches, and the alternatives they beat."""
    from govdata.classify.addresses import is_address
    from govdata.classify.names import (
        dictionary_tags,
        is_name_shape,
        is_name_with_header,
        is_name_without_header,
        load_surnames,
    )

    surnames = load_surnames()
    tags = dictionary_tags()
    person_values = [v for c in cols if c.kind == "person" for v in c.values if v]
    negative_kinds = {
        "company",
        "department",
        "district",
        "status",
        "education",
        "ethnic",
        "title",
        "category",
        "health",
    }
    short_negatives = [v for c in cols if c.kind in negative_kinds for v in c.values if v]
    address_values = [v for c in cols if c.kind in ("address", "estate_address") for v in c.values if v]
    address_negatives = [v for c in cols if c.kind in negative_kinds | {"doc_number"} for v in c.values if v]

    def pr(pred: Callable[[str], bool], pos: list[str], neg: list[str]) -> str:
        tp = sum(1 for v in pos if pred(v))
        fp = sum(1 for v in neg if pred(v))
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / len(pos) if pos else float("nan")
        return f"precision {_pct(precision)}%  recall {_pct(recall)}%"

    print("\nName/address approach, value level (positives from PERSON/ADDRESS columns, negatives from distractors)")
    print(f"  names: {len(person_values)} values vs {len(short_negatives)} distractor values")
    variants = [
        ("jieba POS dictionary only (tag nr)", lambda v: tags.get(v, "").startswith("nr")),
        ("surname table + shape only", lambda v: is_name_shape(v, surnames)),
        ("+ place/word exclusions (no header, used)", lambda v: is_name_without_header(v, surnames)),
        ("header-context rule (used with name header)", is_name_with_header),
    ]
    for label, predicate in variants:
        print(f"    {label:44s} {pr(predicate, person_values, short_negatives)}")
    print(f"  addresses: {len(address_values)} values vs {len(address_negatives)} distractor values")
    suffix = ("路", "街", "号", "村", "室", "组")
    variants = [
        ("division parse (used)", is_address),
        ("naive suffix rule (contains 路/街/号/村/室/组)", lambda v: any(s in v for s in suffix)),
    ]
    for label, predicate in variants:
        print(f"    {label:44s} {pr(predicate, address_values, address_negatives)}")
