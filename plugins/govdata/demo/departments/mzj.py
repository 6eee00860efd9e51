"""民政局: a SQLite file (社会组织登记; SQLite has no comments) and dropped files (低保名单 with BOM, 养老机构)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context
from govdata.demo.model import Column, DepartmentData, DropFile, Table
from govdata.demo.pools import REFERENCE_YEAR, district, office_address, person_name

CODE = "mzj"
ENGINE = "sqlite"
ALLOWANCE_FILE = "最低生活保障对象名单.csv"
CARE_HOMES_FILE = "养老机构名录.csv"


def _allowance(ctx: Context) -> DropFile:
    people = ctx.people
    # 低保 is granted to registered residents only
    heads = ctx.sample([h.members[0] for h in people.households if h.local], ctx.n(1500))
    rows = []
    for idx in heads:
        p = ctx.person(idx)
        size = len(people.households[p.household].members)
        rows.append(
            [
                p.xm,
                p.sfzh,
                p.xb,
                str(size),
                f"{size * 1365:.2f}",
                p.hjdz,
                p.mobile,
                str(ctx.date_between(dt.date(REFERENCE_YEAR - 4, 1, 1), dt.date(REFERENCE_YEAR, 6, 30))),
            ]
        )
    # the system exports pinyin headers: nothing but the values says what these columns hold
    table = Table(
        name=ALLOWANCE_FILE.rsplit(".", 1)[0],
        comment=None,
        columns=[
            Column("xm", "text", None, "PERSON", describes=(("sfzh", "姓名"),)),
            Column("sfzh", "text", None, "CN_RESIDENT_ID"),
            Column("xb", "text"),
            Column("jtrks", "text"),
            Column("bzje", "text"),
            Column("jzdz", "text", None, "ADDRESS"),
            Column("lxdh", "text", None, "CN_MOBILE"),
            Column("sprq", "text"),
        ],
        rows=rows,
        update_cycle="每月",
        file=ALLOWANCE_FILE,
        encoding="utf-8-sig",
    )
    return DropFile(ALLOWANCE_FILE, "csv", [table], encoding="utf-8-sig")


def _care_homes(ctx: Context) -> DropFile:
    rng = ctx.rng
    rows = []
    for n in range(1, ctx.n(120, minimum=10) + 1):
        dist, street = district(rng)
        rows.append(
            [
                f"深圳市{dist}{street}{'社会福利中心' if n % 5 == 0 else '长者服务中心'}（{n}）",
                office_address(rng).split("号")[0] + "号",
                str(rng.choice((30, 50, 80, 120, 200, 400))),
                ids.landline(rng),
                rng.choice(("公办", "公建民营", "民办")),
            ]
        )
    table = Table(
        name=CARE_HOMES_FILE.rsplit(".", 1)[0],
        comment=None,
        columns=[
            Column("机构名称", "text", "机构名称"),
            Column("机构地址", "text", "机构地址", "ADDRESS"),
            Column("床位数", "text", "床位数"),
            Column("联系电话", "text", "联系电话", "CN_LANDLINE"),
            Column("机构性质", "text", "机构性质"),
        ],
        rows=rows,
        update_cycle="每季度",
        file=CARE_HOMES_FILE,
        encoding="utf-8",
    )
    return DropFile(CARE_HOMES_FILE, "csv", [table], encoding="utf-8")


_ORG_KINDS = (("社会团体", "51", "协会"), ("民办非企业单位", "52", "服务中心"), ("基金会", "53", "基金会"))


def _organisations(ctx: Context) -> Table:
    """社会组织登记 in a SQLite file: declared types only (SQLite's affinity), dates as ISO text."""
    rng = ctx.rng
    times = ctx.update_times(ctx.n(600, minimum=20), ctx.newest_update("每月"), span_days=1200)
    rows = []
    for n, gxsj in enumerate(times, start=1):
        kind, prefix, suffix = rng.choice(_ORG_KINDS)
        dist, _street = district(rng)
        founded = ctx.date_between(dt.date(1995, 1, 1), gxsj.date())
        rows.append(
            [
                ids.uscc(rng, prefix),
                f"深圳市{dist}{rng.choice(('慈善', '志愿者', '社区', '养老', '青少年'))}{suffix}（{n}）",
                kind,
                person_name(rng, rng.random() < 0.5),
                founded,
                Decimal(rng.choice((3, 10, 50, 200, 800))) * 10000,
                rng.random() < 0.9,
                gxsj,
            ]
        )
    return Table(
        name="shzz_djxx",
        comment=None,
        columns=[
            Column("tyshxydm", "varchar(18)", None, "CN_USCC"),
            Column("zzmc", "varchar(200)"),
            Column("zzlx", "varchar(20)"),
            Column("fddbr", "varchar(50)", None, "PERSON"),
            Column("clrq", "date"),
            Column("zczj", "numeric(14,2)"),
            Column("sfyx", "boolean"),
            Column("gxsj", "timestamp"),
        ],
        rows=rows,
        primary_key=("tyshxydm",),
        update_column="gxsj",
        update_cycle="每月",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 民政 database and files and inject their conflicts."""
    ctx.data.engine = ENGINE
    ctx.data.tables.append(_organisations(ctx))
    allowance = _allowance(ctx)
    ctx.data.files += [allowance, _care_homes(ctx)]
    table = allowance.tables[0]
    registered = ctx.registered_ids()
    ctx.name_conflict(table, ctx.pick(table, 2, set(), lambda r: r[1] in registered))
    return ctx.data
