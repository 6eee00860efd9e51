"""市场监督管理局: 企业登记, 年报, 行政处罚公示, 个体工商户 — the authority for 企业名称 and 法定代表人."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context
from govdata.demo.model import Column, DepartmentData, Table
from govdata.demo.pools import REFERENCE_YEAR, district, home_address

CODE = "scjgj"
_SCOPES = {
    "科技": "计算机软硬件的技术开发、技术咨询；信息系统集成服务",
    "信息技术": "信息技术咨询服务；数据处理和存储支持服务；软件开发",
    "电子": "电子产品、电子元器件的研发与销售；国内贸易",
    "贸易": "国内贸易；货物及技术进出口",
    "物流": "国际货运代理；普通货运；仓储服务（不含危险化学品）",
    "运输": "道路普通货物运输；道路旅客运输",
    "出行服务": "网络预约出租汽车经营服务；汽车租赁",
    "餐饮管理": "餐饮管理；餐饮服务；食品销售",
}
_VIOLATIONS = (
    ("销售过期食品", "没收违法所得，并处罚款"),
    ("未按规定公示年度报告", "列入经营异常名录"),
    ("虚假宣传", "责令停止违法行为，并处罚款"),
    ("无照经营", "责令改正，并处罚款"),
    ("使用未经检定的计量器具", "责令停止使用，并处罚款"),
    ("价格欺诈", "警告，并处罚款"),
)
_SHOPS = ("五金店", "便利店", "餐馆", "理发店", "水果店", "手机维修店", "服装店", "早餐店", "茶行", "药店")


def _registrations(ctx: Context) -> Table:
    rng, companies = ctx.rng, ctx.companies
    times = ctx.update_times(len(companies), ctx.newest_update("每日"), span_days=3000)
    rows = []
    for c, gxsj in zip(companies, times, strict=True):
        rep = ctx.person(c.legal_rep)
        status = rng.choices(("存续", "在业", "注销", "吊销"), (70, 20, 8, 2))[0]
        rows.append(
            [
                c.uscc,
                c.name,
                c.kind,
                rep.xm,
                rep.sfzh,
                Decimal(f"{c.capital:.2f}"),
                c.founded,
                c.address,
                _SCOPES.get(c.industry, f"{c.industry}相关业务；国内贸易"),
                f"深圳市市场监督管理局{district(rng)[0]}监管局",
                status,
                c.phone,
                c.email,
                gxsj,
            ]
        )
    return Table(
        name="qy_djxx",
        comment="企业登记基本信息",
        columns=[
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("qymc", "varchar(200)", "企业名称", describes=(("tyshxydm", "企业名称"),)),
            Column("qylx", "varchar(50)", "企业类型"),
            Column(
                "fddbr",
                "varchar(50)",
                "法定代表人",
                "PERSON",
                describes=(("tyshxydm", "法定代表人"), ("fddbr_sfzh", "姓名")),
            ),
            Column("fddbr_sfzh", "varchar(18)", None, "CN_RESIDENT_ID"),
            Column("zczb", "numeric(16,2)", "注册资本(万元)"),
            Column("clrq", "date", "成立日期"),
            Column("zs", "varchar(200)", "住所", "ADDRESS"),
            Column("jyfw", "text", "经营范围"),
            Column("djjg", "varchar(100)", "登记机关"),
            Column("djzt", "varchar(20)", "登记状态"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_LANDLINE"),
            Column("dzyx", "varchar(100)", "电子邮箱", "EMAIL_ADDRESS"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("tyshxydm",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _annual_reports(ctx: Context) -> Table:
    rng = ctx.rng
    rows = []
    newest = ctx.newest_update("每年")
    for c in ctx.companies:
        for year in (REFERENCE_YEAR - 2, REFERENCE_YEAR - 1):
            if c.founded.year > year or rng.random() < 0.15:
                continue
            filed = dt.datetime(year + 1, 1, 1) + dt.timedelta(seconds=int(rng.random() * 150 * 86400))
            rows.append(
                [
                    f"NB{year}{c.uscc}",
                    c.uscc,
                    year,
                    c.name,
                    rng.randrange(1, 300),
                    Decimal(f"{rng.random() * 5000:.2f}"),
                    Decimal(f"{rng.random() * 300:.2f}"),
                    ctx.person(c.legal_rep).mobile,
                    c.email,
                    ids.ipv4(rng),
                    filed,
                    min(filed, newest),
                ]
            )
    rows[rng.randrange(len(rows))][-1] = newest
    return Table(
        name="qy_nb",
        comment="企业年度报告",
        columns=[
            Column("nbid", "varchar(32)", "年报编号"),
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("nbnd", "integer", "年报年度"),
            Column("qymc", "varchar(200)", "企业名称", describes=(("tyshxydm", "企业名称"),)),
            Column("cyrs", "integer", "从业人数"),
            Column("yysr", "numeric(16,2)", "营业总收入(万元)"),
            Column("nsze", "numeric(16,2)", "纳税总额(万元)"),
            Column("lxdh", "varchar(20)", "企业联系电话", "CN_MOBILE"),
            Column("dzyx", "varchar(100)", "电子邮箱", "EMAIL_ADDRESS"),
            Column("tbip", "varchar(15)", None, "IP_ADDRESS"),
            Column("tbsj", "timestamp", "填报时间"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("nbid",),
        update_column="gxsj",
        update_cycle="每年",
    )


def _penalties(ctx: Context) -> Table:
    rng = ctx.rng
    offenders = [ctx.companies[i] for i in ctx.sample(list(range(len(ctx.companies))), ctx.n(2000))]
    times = ctx.update_times(len(offenders), ctx.newest_update("每周"), span_days=1000)
    rows = []
    for n, (c, gxsj) in enumerate(zip(offenders, times, strict=True), start=1):
        decided = gxsj.date() - dt.timedelta(days=rng.randrange(1, 20))
        violation, penalty = rng.choice(_VIOLATIONS)
        rows.append(
            [
                f"深市监罚〔{decided.year}〕{n}号",
                c.uscc,
                c.name,
                ctx.person(c.legal_rep).xm,
                violation,
                penalty,
                Decimal(rng.choice((2000, 5000, 10000, 20000, 50000, 100000))),
                decided,
                "深圳市市场监督管理局",
                decided + dt.timedelta(days=365 * 3),
                rng.choice(("已履行", "已缴纳罚款", "申请延期缴纳", None, None)),
                gxsj,
            ]
        )
    return Table(
        name="xzcf_gs",
        comment="行政处罚信息公示",
        columns=[
            Column("cfjdswh", "varchar(50)", "处罚决定书文号"),
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("qymc", "varchar(200)", "当事人名称", describes=(("tyshxydm", "企业名称"),)),
            Column("fddbr", "varchar(50)", "法定代表人", "PERSON", describes=(("tyshxydm", "法定代表人"),)),
            Column("wfxw", "text", "违法行为类型"),
            Column("cfnr", "text", "处罚内容"),
            Column("fkje", "numeric(14,2)", "罚款金额(元)"),
            Column("cfrq", "date", "处罚决定日期"),
            Column("cfjg", "varchar(100)", "处罚机关"),
            Column("gsjzrq", "date", "公示截止日期"),
            Column("bz", "text", "备注"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=(),
        update_column="gxsj",
        update_cycle="每周",
    )


def _sole_traders(ctx: Context) -> Table:
    rng = ctx.rng
    owners = ctx.sample(ctx.people.where(min_age=20, max_age=70), ctx.n(6000))
    times = ctx.update_times(len(owners), ctx.newest_update("每日"), span_days=2000)
    codes: set[str] = set()
    rows = []
    for idx, gxsj in zip(owners, times, strict=True):
        p = ctx.person(idx)
        code = ids.uscc(rng, "92")
        while code in codes:
            code = ids.uscc(rng, "92")
        codes.add(code)
        dist, _street = district(rng)
        rows.append(
            [
                code,
                f"深圳市{dist}{p.xm[0]}{rng.choice('记氏家')}{rng.choice(_SHOPS)}",
                p.xm,
                p.sfzh,
                home_address(rng),
                "零售；日用品销售；餐饮服务（凭许可证经营）",
                ctx.date_between(dt.date(2005, 1, 1), gxsj.date()),
                p.mobile,
                rng.choices(("存续", "注销"), (92, 8))[0],
                gxsj,
            ]
        )
    return Table(
        name="gtgsh",
        comment="个体工商户登记信息",
        columns=[
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("zhmc", "varchar(200)", "字号名称"),
            Column("jyz", "varchar(50)", "经营者姓名", "PERSON", describes=(("jyzsfzh", "姓名"),)),
            Column("jyzsfzh", "varchar(18)", "经营者身份证号", "CN_RESIDENT_ID"),
            Column("jycs", "varchar(200)", "经营场所", "ADDRESS"),
            Column("jyfw", "text", "经营范围"),
            Column("zcrq", "date", "注册日期"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("djzt", "varchar(20)", "登记状态"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("tyshxydm",),
        update_column="gxsj",
        update_cycle="每日",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 市场监管 tables and inject their defects."""
    registrations = _registrations(ctx)
    reports = _annual_reports(ctx)
    penalties = _penalties(ctx)
    traders = _sole_traders(ctx)
    ctx.data.tables += [registrations, reports, penalties, traders]

    # the penalty list is exported without a key: some decisions were published twice
    dup_rows = ctx.pick(penalties, 8, set())
    penalties.rows += [list(penalties.rows[r]) for r in dup_rows]
    ctx.defect(
        "duplicate_key",
        penalties.name,
        "cfjdswh",
        len(dup_rows),
        [penalties.rows[r][0] for r in dup_rows],
        "处罚决定书文号应唯一；多出的行数",
    )
    ctx.defect("no_primary_key", penalties.name, None, 1, note="公示表无主键约束")
    rng = ctx.rng
    ctx.mutate(
        traders,
        "lxdh",
        ctx.pick(traders, 4, set(), lambda r: r[7]),
        lambda v: ids.malformed_mobile(rng, v),
        "malformed_phone",
    )
    return ctx.data
