"""民政局: a SQLite file (社会组织登记, no comments) and dropped files (低保名单 with BOM, 养老机构, two 报表)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context
from govdata.demo.model import Column, DepartmentData, DropFile, Report, Table
from govdata.demo.pools import REFERENCE_YEAR, district, office_address, person_name

CODE = "mzj"
ENGINE = "sqlite"
ALLOWANCE_FILE = "最低生活保障对象名单.csv"
CARE_HOMES_FILE = "养老机构名录.csv"
ELDERLY_FILE = "福田区2024年第三季度高龄津贴发放明细表.xlsx"
ELDERLY_SHEET = "高龄津贴"
RELIEF_FILE = "临时救助发放明细.csv"
_STREETS = ("园岭街道", "南园街道", "福田街道", "沙头街道", "香蜜湖街道", "梅林街道", "华富街道")


def _report_columns(spec: list[tuple[str, str | None]]) -> list[Column]:
    """Columns of a report: the flattened header is the name, the leaf header cell its Chinese name."""
    return [Column(name, "text", name.rsplit("/", 1)[-1], pii) for name, pii in spec]


def _elderly(ctx: Context) -> DropFile:
    """The issue's 报表: merged title, 填报 line, two-row header, 街道 merged over its rows, 合计, 制表人."""
    rng = ctx.rng
    chosen = sorted(ctx.sample(ctx.people.where(min_age=80), ctx.n(60, minimum=24)))
    streets = sorted((rng.choice(_STREETS), i) for i in chosen)
    rows = []
    for n, (street, idx) in enumerate(streets, start=1):
        p = ctx.person(idx)
        amount = 500 if p.age() < 90 else (800 if p.age() < 100 else 1500)
        month = rng.choice((7, 8, 9))
        rows.append(
            [str(n), street, p.xm, p.sfzh, p.mobile, str(amount), f"2024年{month}月",
             dt.date(2024, month, rng.randrange(5, 16)).isoformat(), None if n % 7 else "补发"]
        )  # fmt: skip
    table = Table(
        name=f"{ELDERLY_FILE.rsplit('.', 1)[0]}__{ELDERLY_SHEET}",
        comment=None,
        columns=_report_columns(
            [
                ("序号", None),
                ("街道", None),
                ("申领人信息/姓名", "PERSON"),
                ("申领人信息/身份证号码", "CN_RESIDENT_ID"),
                ("申领人信息/联系电话", "CN_MOBILE"),
                ("发放信息/发放金额（元）", None),
                ("发放信息/发放月份", None),
                ("发放信息/发放日期", None),
                ("备注", None),
            ]
        ),  # fmt: skip
        rows=rows,
        update_cycle="每季度",
        file=ELDERLY_FILE,
        sheet=ELDERLY_SHEET,
        report=Report(
            title="深圳市福田区2024年第三季度高龄津贴发放明细表",
            reported_by="福田区民政局",
            reported_on=dt.date(2024, 10, 8),
            prepared_by="陈晓琳",
            reviewed_by="刘建国",
            merge_column="街道",
            serial_column="发放信息/发放日期",
            hidden_column="备注",
            total_column="发放信息/发放金额（元）",
        ),
    )
    return DropFile(ELDERLY_FILE, "xlsx", [table])


def _relief(ctx: Context) -> DropFile:
    """The same shape as a CSV export: title and 填报 lines above a two-row header, 合计 and 制表人 below."""
    rng = ctx.rng
    rows = []
    for n, idx in enumerate(ctx.sample(ctx.people.where(min_age=18), ctx.n(80, minimum=20)), start=1):
        p = ctx.person(idx)
        rows.append(
            [str(n), rng.choice(_STREETS), p.xm, p.sfzh, p.hjdz, rng.choice(("因病", "因灾", "因意外事故")),
             f"{rng.choice((1000, 2000, 3000, 5000)):.2f}"]
        )  # fmt: skip
    table = Table(
        name=RELIEF_FILE.rsplit(".", 1)[0],
        comment=None,
        columns=_report_columns(
            [
                ("序号", None),
                ("街道", None),
                ("救助对象/姓名", "PERSON"),
                ("救助对象/身份证号码", "CN_RESIDENT_ID"),
                ("救助对象/户籍地址", "ADDRESS"),
                ("救助信息/救助类别", None),
                ("救助信息/救助金额", None),
            ]
        ),  # fmt: skip
        rows=rows,
        update_cycle="每月",
        file=RELIEF_FILE,
        encoding="utf-8-sig",
        report=Report(
            title="2024年10月临时救助发放明细",
            reported_by="深圳市民政局社会救助处",
            reported_on=dt.date(2024, 11, 5),
            prepared_by="王丽娟",
            total_column="救助信息/救助金额",
            note="救助金额单位为元，按月汇总报送。",
        ),
    )
    return DropFile(RELIEF_FILE, "csv", [table], encoding="utf-8-sig")


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
    # report-shaped files last: drawing them leaves every value above as it was
    ctx.data.files += [_elderly(ctx), _relief(ctx)]
    return ctx.data
