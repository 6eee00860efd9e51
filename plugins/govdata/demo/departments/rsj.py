"""人力资源和社会保障局: 参保单位, 参保人员, 社会保障卡, 就业失业登记."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context, shifted_date
from govdata.demo.model import Column, DepartmentData, Table
from govdata.demo.pools import district, office_address, other_name, person_name, renamed_company

CODE = "rsj"
_INSURANCE = ("企业职工基本养老保险", "职工基本医疗保险", "失业保险", "工伤保险")
_BANKS = (
    "中国工商银行深圳市分行",
    "中国建设银行深圳市分行",
    "中国银行深圳市分行",
    "中国农业银行深圳市分行",
    "招商银行",
    "平安银行",
)
_PUBLIC_UNITS = ("第一小学", "第二小学", "中学", "社区健康服务中心", "街道办事处", "文化站", "图书馆")


def _units(ctx: Context) -> Table:
    rng = ctx.rng
    companies = [ctx.companies[i] for i in ctx.sample(list(range(len(ctx.companies))), ctx.n(2800))]
    n_public = ctx.n(200, minimum=5)
    times = ctx.update_times(len(companies) + n_public, ctx.newest_update("每月"), span_days=1500)
    rows = []
    for n, c in enumerate(companies, start=1):
        rows.append(
            [
                f"DW{n:08d}",
                c.uscc,
                c.name,
                ctx.person(c.legal_rep).xm,
                c.address,
                "企业",
                person_name(rng, rng.random() < 0.6),
                ctx.person(c.legal_rep).mobile,
                0,
                max(c.founded, ctx.date_between(dt.date(2000, 1, 1), times[n - 1].date())),
                times[n - 1],
            ]
        )
    for n in range(len(companies) + 1, len(companies) + n_public + 1):
        rows.append(
            [
                f"DW{n:08d}",
                ids.uscc(rng, "12"),
                "深圳市{}{}{}".format(*district(rng), rng.choice(_PUBLIC_UNITS)),
                person_name(rng, rng.random() < 0.4),
                office_address(rng),
                "机关事业单位",
                person_name(rng, rng.random() < 0.6),
                ids.mobile(rng),
                0,
                ctx.date_between(dt.date(1995, 1, 1), times[n - 1].date()),
                times[n - 1],
            ]
        )
    table = Table(
        name="sb_cbdw",
        comment="社会保险参保单位信息",
        columns=[
            Column("dwbh", "varchar(12)", "单位编号"),
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("dwmc", "varchar(200)", "单位名称", describes=(("tyshxydm", "企业名称"),)),
            Column("fddbr", "varchar(50)", "法定代表人", "PERSON", describes=(("tyshxydm", "法定代表人"),)),
            Column("dwdz", "varchar(200)", "单位地址", "ADDRESS"),
            Column("dwlx", "varchar(20)", "单位类型"),
            Column("lxr", "varchar(50)", None, "PERSON"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("cbrs", "integer", "参保人数"),
            Column("cbrq", "date", "参保登记日期"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("dwbh",),
        update_column="gxsj",
        update_cycle="每月",
    )
    return table


def _insured(ctx: Context, units: Table) -> Table:
    rng = ctx.rng
    workers = ctx.sample(ctx.people.where(min_age=18, max_age=62), ctx.n(20000))
    unit_ids = [row[0] for row in units.rows]
    times = ctx.update_times(len(workers), ctx.newest_update("每日"), span_days=1500)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(workers, times, strict=True), start=1):
        p = ctx.person(idx)
        first = max(p.csrq.replace(year=p.csrq.year + 18, day=1), ctx.date_between(dt.date(1998, 1, 1), gxsj.date()))
        rows.append(
            [
                f"44030{n:011d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.csrq,
                rng.choice(unit_ids),
                rng.choice(_INSURANCE),
                rng.choices(("正常参保", "暂停参保", "终止参保"), (85, 10, 5))[0],
                min(first, gxsj.date()),
                Decimal(rng.choice((2360, 3500, 5000, 6800, 8000, 12000, 20000, 34000))),
                p.mobile,
                gxsj,
            ]
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[5]] = counts.get(row[5], 0) + 1
    for row in units.rows:
        row[8] = counts.get(row[0], 0)
    return Table(
        name="sb_cbry",
        comment="社会保险参保人员信息",
        columns=[
            Column("grbh", "varchar(16)", "个人编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("dwbh", "varchar(12)", "单位编号"),
            Column("xz", "varchar(50)", "险种"),
            Column("cbzt", "varchar(10)", "参保状态"),
            Column("cbrq", "date", "首次参保日期"),
            Column("jfjs", "numeric(12,2)", "缴费基数(元)"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("grbh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _cards(ctx: Context) -> Table:
    rng = ctx.rng
    holders = ctx.sample(ctx.people.where(min_age=16), ctx.n(15000))
    times = ctx.update_times(len(holders), ctx.newest_update("每日"), span_days=2000)
    rows = []
    cards: set[str] = set()
    for n, (idx, gxsj) in enumerate(zip(holders, times, strict=True), start=1):
        p = ctx.person(idx)
        card = ids.bank_card(rng)
        while card in cards:
            card = ids.bank_card(rng)
        cards.add(card)
        rows.append(
            [
                f"{rng.choice('ABCDEFGH')}{n:08d}",
                p.sfzh,
                p.xm,
                card,
                rng.choice(_BANKS),
                ctx.date_between(dt.date(2012, 1, 1), gxsj.date()),
                rng.choices(("正常", "挂失", "注销"), (94, 3, 3))[0],
                gxsj,
            ]
        )
    return Table(
        name="sbk_xx",
        comment="社会保障卡信息",
        columns=[
            Column("sbkh", "varchar(9)", "社会保障卡卡号"),
            Column("sfzh", "varchar(18)", "社会保障号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("yhkh", "varchar(19)", "金融账户", "CN_BANK_CARD"),
            Column("khyh", "varchar(50)", "开户银行"),
            Column("fkrq", "date", "发卡日期"),
            Column("kzt", "varchar(10)", "卡状态"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("sbkh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _employment(ctx: Context) -> Table:
    rng = ctx.rng
    people = ctx.sample(ctx.people.where(min_age=18, max_age=60), ctx.n(5000))
    times = ctx.update_times(len(people), ctx.newest_update("每日"), span_days=1000)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(people, times, strict=True), start=1):
        p = ctx.person(idx)
        kind = rng.choices(("就业登记", "失业登记"), (75, 25))[0]
        employer = rng.choice(ctx.companies).name if kind == "就业登记" else None
        roll = rng.random()
        if roll < 0.08:
            remark: str | None = f"经办人{person_name(rng, rng.random() < 0.5)}电话回访，本人手机{p.mobile}"
        elif roll < 0.12:
            proxy = ctx.person(rng.randrange(len(ctx.people.persons)))
            remark = f"代办人{proxy.xm}，身份证{proxy.sfzh}"
        else:
            remark = rng.choice(("材料齐全", "已推荐岗位", "参加职业培训", "灵活就业", None, None))
        rows.append(
            [
                f"JY{gxsj:%Y}{n:08d}",
                p.sfzh,
                p.xm,
                kind,
                employer,
                gxsj.date() - dt.timedelta(days=rng.randrange(0, 30)),
                p.mobile,
                remark,
                gxsj,
            ]
        )
    return Table(
        name="jy_djxx",
        comment="就业失业登记信息",
        columns=[
            Column("djbh", "varchar(16)", "登记编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("djlx", "varchar(10)", "登记类型"),
            Column("dwmc", "varchar(200)", "用人单位名称"),
            Column("djrq", "date", "登记日期"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("bz", "text", "备注", "FREE_TEXT_WITH_PII"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("djbh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 人社 tables and inject their defects and conflicts."""
    rng = ctx.rng
    units = _units(ctx)
    insured = _insured(ctx, units)
    cards = _cards(ctx)
    employment = _employment(ctx)
    ctx.data.tables += [units, insured, cards, employment]

    registered = ctx.registered_ids()
    taken: set[int] = set()
    ctx.name_conflict(insured, ctx.pick(insured, 6, taken, lambda r: r[1] in registered))
    ctx.conflict(
        insured,
        ctx.pick(insured, 4, taken, lambda r: r[1] in registered),
        "sfzh",
        "csrq",
        "CN_RESIDENT_ID",
        "出生日期",
        lambda v: shifted_date(rng, v),
    )
    ctx.mutate(insured, "sfzh", ctx.pick(insured, 6, taken), ids.fullwidth, "key_format_variant", "全角数字")
    ctx.mutate(
        insured, "sfzh", ctx.pick(insured, 4, taken), lambda v: None, "null_mandatory", "参保人员身份证号为必填项"
    )

    taken = set()
    companies = {c.uscc: c for c in ctx.companies}
    ctx.conflict(
        units,
        ctx.pick(units, 5, taken, lambda r: r[1] in companies),
        "tyshxydm",
        "dwmc",
        "CN_USCC",
        "企业名称",
        lambda v: renamed_company(rng, v),
    )
    ctx.conflict(
        units,
        ctx.pick(units, 4, taken, lambda r: r[1] in companies),
        "tyshxydm",
        "fddbr",
        "CN_USCC",
        "法定代表人",
        lambda v: other_name(rng, v),
    )
    ctx.mutate(
        units,
        "tyshxydm",
        ctx.pick(units, 3, taken, lambda r: r[1] in companies),
        ids.fullwidth,
        "key_format_variant",
        "全角字符",
    )

    taken = set()
    old = lambda r: r[1][6:8] == "19"  # noqa: E731 - 15-digit numbers were issued only to those born in the 1900s
    ctx.mutate(cards, "sfzh", ctx.pick(cards, 5, taken, old), ids.legacy_id_15, "legacy_id_15", "一代身份证15位号码")

    taken = set()
    ctx.mutate(employment, "sfzh", ctx.pick(employment, 6, taken), ids.corrupt_id_checksum, "invalid_id_checksum")
    ctx.mutate(
        employment,
        "lxdh",
        ctx.pick(employment, 5, taken, lambda r: r[6]),
        lambda v: ids.malformed_mobile(rng, v),
        "malformed_phone",
    )
    return ctx.data
