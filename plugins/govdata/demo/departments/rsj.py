"""人力资源和社会保障局 on MariaDB: 参保单位, 参保人员, 社保卡, 就业登记, 技能培训补贴 (MySQL type edge cases)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context, shifted_date
from govdata.demo.model import Column, DepartmentData, Table
from govdata.demo.pools import district, office_address, other_name, person_name, renamed_company

CODE = "rsj"
ENGINE = "mariadb"
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
            Column("cbrs", "int", "参保人数"),
            Column("cbrq", "date", "参保登记日期"),
            Column("gxsj", "datetime", "更新时间"),
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
            Column("jfjs", "decimal(12,2)", "缴费基数(元)"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("gxsj", "datetime", "更新时间"),
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
            Column("gxsj", "datetime", "更新时间"),
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
            Column("gxsj", "datetime", "更新时间"),
        ],
        rows=rows,
        primary_key=("djbh",),
        update_column="gxsj",
        update_cycle="每日",
    )


_LEVELS = ("初级", "中级", "高级", "技师", "高级技师")
_SUBSIDIES = ("培训补贴", "鉴定补贴", "生活费补贴")
_COURSES = ("电工", "焊工", "育婴员", "养老护理员", "中式烹调师", "电子商务师", "工业机器人系统运维员")
#: utf8mb4 text a 3-byte "utf8" system would lose: emoji and CJK Extension B (𠀀-𪛟) characters
_FEEDBACK = ("课程很实用👍", "老师讲得好😀", "𠮷野家实训基地", "学员来自𡃁仔村", "希望增加夜班课🌙", None)


def _training(ctx: Context) -> Table:
    """技能培训补贴申领: one column per MySQL type the crawl must map, with zero dates and NUL bytes."""
    rng = ctx.rng
    trainees = ctx.sample(ctx.people.where(min_age=18, max_age=60), ctx.n(800))
    times = ctx.update_times(len(trainees), ctx.newest_update("每周"), span_days=700)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(trainees, times, strict=True), start=1):
        p = ctx.person(idx)
        start = gxsj.replace(microsecond=0) - dt.timedelta(days=rng.randrange(30, 200))
        kinds = sorted(rng.sample(_SUBSIDIES, rng.randrange(1, 3)), key=_SUBSIDIES.index)
        rows.append(
            [
                f"PX{gxsj:%Y}{n:07d}",
                p.sfzh,
                p.xm,
                rng.choice(_COURSES),
                rng.choice(_LEVELS),
                ",".join(kinds),
                rng.random() < 0.85,
                b"\x01" if rng.random() < 0.95 else b"\x00",
                Decimal(rng.choice((800, 1200, 1500, 2000, 3000))) + Decimal("0.50"),
                round(rng.uniform(0.6, 1.0), 4),
                start.year,
                start,
                start.date() + dt.timedelta(days=rng.randrange(10, 60)),
                dt.time(rng.choice((8, 9, 14, 19)), rng.choice((0, 30))),
                json.dumps(
                    {"课时": rng.choice((32, 64, 96)), "机构": f"深圳市第{rng.randrange(1, 30)}职业技能培训中心"},
                    ensure_ascii=False,
                ),
                rng.randbytes(16),
                f"ZS{n:08d}",
                rng.choice(_FEEDBACK),
                gxsj,
            ]
        )
    table = Table(
        name="zyjn_pxbt",
        comment="职业技能培训补贴申领信息",
        columns=[
            Column("sqbh", "varchar(16)", "申请编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("pxzy", "varchar(50)", "培训职业(工种)"),
            Column("pxdj", f"enum({', '.join(repr(v) for v in _LEVELS)})", "培训等级"),
            Column("bzlx", f"set({', '.join(repr(v) for v in _SUBSIDIES)})", "补贴类型"),
            Column("sfhg", "tinyint(1)", "是否考核合格"),
            Column("sfyx", "bit(1)", "是否有效"),
            Column("bzje", "decimal(10,2)", "补贴金额(元)"),
            Column("cql", "double", "出勤率"),
            Column("pxnf", "year", "培训年份"),
            Column("kssj", "datetime", "培训开始时间"),
            Column("jyrq", "date", "结业日期"),
            Column("skss", "time", "上课时间"),
            Column("kzxx", "json", "扩展信息"),
            Column("clzy", "varbinary(16)", "申请材料摘要(MD5)"),
            Column("zsbh", "varchar(30)", "证书编号"),
            Column("xyfk", "text", "学员反馈"),
            Column("gxsj", "datetime", "更新时间"),
        ],
        rows=rows,
        primary_key=("sqbh",),
        update_column="gxsj",
        update_cycle="每周",
    )
    # legacy rows entered before the fields were mandatory: MySQL's zero dates
    ctx.mutate(table, "kssj", ctx.pick(table, 3, set()), lambda v: "0000-00-00 00:00:00", "zero_date", "零日期")
    ctx.mutate(table, "jyrq", ctx.pick(table, 4, set()), lambda v: "0000-00-00", "zero_date", "零日期")
    # certificate numbers keyed in by a C program, padded with NUL bytes
    ctx.mutate(table, "zsbh", ctx.pick(table, 2, set()), lambda v: v + "\x00\x00", "nul_in_text", "C 字符串补零")
    return table


def build(ctx: Context) -> DepartmentData:
    """Generate the 人社 tables and inject their defects and conflicts."""
    rng = ctx.rng
    ctx.data.engine = ENGINE
    units = _units(ctx)
    insured = _insured(ctx, units)
    cards = _cards(ctx)
    employment = _employment(ctx)
    ctx.data.tables += [units, insured, cards, employment, _training(ctx)]

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
