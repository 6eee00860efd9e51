"""公安局 (人口管理): 户籍人口, 户, 出入境证件, 流动人口居住登记 — the authority for 姓名, 出生日期, 住址."""

from __future__ import annotations

import datetime as dt

from govdata.demo import identifiers as ids
from govdata.demo.context import Context, add_years
from govdata.demo.model import Column, DepartmentData, Table
from govdata.demo.pools import REFERENCE_YEAR, Person

CODE = "gaj"
_ETHNIC = (("汉族", 940), ("壮族", 15), ("回族", 5), ("满族", 5), ("土家族", 10), ("苗族", 8), ("瑶族", 7), ("畲族", 4))
_EDUCATION = ("小学", "初中", "高中", "中专", "大学专科", "大学本科", "硕士研究生", "博士研究生")
_DOCUMENT_KINDS = ("普通护照", "往来港澳通行证")


def _education(ctx: Context, age: int) -> str | None:
    if age < 7:
        return None
    if age < 22:
        return _EDUCATION[min(2, (age - 6) // 6)]  # still at school
    return ctx.rng.choice(_EDUCATION)


def _marital_status(ctx: Context, p: Person, couple_household: bool) -> str:
    if p.relation in ("户主", "配偶"):
        if couple_household:
            return "已婚"
        return ctx.rng.choice(("未婚", "离婚", "丧偶")) if p.age() >= 30 else "未婚"
    if p.relation in ("父亲", "母亲"):
        return "丧偶"
    return "已婚" if p.age() >= 24 and ctx.rng.random() < 0.4 else "未婚"


def _resident_table(ctx: Context) -> Table:
    rng, people = ctx.rng, ctx.people
    ethnic, weights = zip(*_ETHNIC, strict=True)
    locals_ = [p for p in people.persons if p.local]
    newest = ctx.newest_update("每日")
    times = ctx.update_times(len(locals_), newest, span_days=2000)
    rows = []
    married_households = {
        h
        for h, hh in enumerate(people.households)
        if hh.local and any(people.persons[m].relation == "配偶" for m in hh.members)
    }
    for p, gxsj in zip(locals_, times, strict=True):
        age = p.age()
        rows.append(
            [
                p.sfzh,
                p.xm,
                None,
                p.xb,
                rng.choices(ethnic, weights)[0],
                p.csrq,
                ids.province_name(p.sfzh[:6]),
                p.hjdz,
                people.households[p.household].hh,
                p.relation,
                _education(ctx, age),
                _marital_status(ctx, p, p.household in married_households),
                ctx.fake.job() if 18 <= age <= 65 and rng.random() < 0.7 else None,
                p.mobile,
                max(p.csrq, ctx.date_between(dt.date(1985, 1, 1), dt.date(REFERENCE_YEAR - 1, 12, 31))),
                gxsj,
            ]
        )
    # a few former names (曾用名), which must not be mistaken for disagreeing 姓名
    for row in rng.sample(rows, max(1, len(rows) // 200)):
        row[2] = row[1][0] + rng.choice("小春秋冬梅兰竹菊")
    return Table(
        name="hj_rkxx",
        comment="户籍人口基本信息",
        columns=[
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("cym", "varchar(50)", "曾用名", "PERSON"),
            Column("xb", "varchar(2)", "性别"),
            Column("mz", "varchar(20)", "民族"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("jg", "varchar(50)", "籍贯"),
            Column("hjdz", "varchar(200)", "户籍地址", "ADDRESS", describes=(("sfzh", "住址"),)),
            Column("hh", "varchar(20)", "户号"),
            Column("yhzgx", "varchar(10)", "与户主关系"),
            Column("whcd", "varchar(20)", "文化程度"),
            Column("hyzk", "varchar(10)", "婚姻状况"),
            Column("zy", "varchar(100)", "职业"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("djrq", "date", "户籍登记日期"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("sfzh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _household_table(ctx: Context) -> Table:
    people = ctx.people
    households = [h for h in people.households if h.local]
    times = ctx.update_times(len(households), ctx.newest_update("每周"), span_days=2000)
    rows = []
    for h, gxsj in zip(households, times, strict=True):
        head = people.persons[h.members[0]]
        rows.append(
            [
                h.hh,
                "家庭户" if ctx.rng.random() < 0.96 else "集体户",
                head.xm,
                head.sfzh,
                h.address,
                f"深圳市公安局{h.district[:-1]}分局{h.street}派出所",
                len(h.members),
                max(head.csrq, ctx.date_between(dt.date(1985, 1, 1), dt.date(REFERENCE_YEAR - 1, 12, 31))),
                gxsj,
            ]
        )
    return Table(
        name="hj_hxx",
        comment="户信息",
        columns=[
            Column("hh", "varchar(20)", "户号"),
            Column("hlx", "varchar(10)", "户类型"),
            Column("hzxm", "varchar(50)", "户主姓名", "PERSON", describes=(("hzsfzh", "姓名"),)),
            Column("hzsfzh", "varchar(18)", "户主公民身份号码", "CN_RESIDENT_ID"),
            Column("hjdz", "varchar(200)", "户籍地址", "ADDRESS", describes=(("hzsfzh", "住址"),)),
            Column("sspcs", "varchar(100)", "所属派出所"),
            Column("hnrs", "integer", "户内人数"),
            Column("lhrq", "date", "立户日期"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("hh",),
        update_column="gxsj",
        update_cycle="每周",
    )


def _travel_documents(ctx: Context) -> Table:
    rng = ctx.rng
    holders = ctx.sample(ctx.people.where(local=True, min_age=3), ctx.n(5000))
    # 出入境 has not pushed updates for a month: the declared weekly cycle is not kept
    newest = ctx.newest_update("每周", stale_days=30)
    times = ctx.update_times(len(holders), newest, span_days=1500)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(holders, times, strict=True), start=1):
        p = ctx.person(idx)
        kind = rng.choice(_DOCUMENT_KINDS)
        issued = ctx.date_between(dt.date(2016, 1, 1), dt.date(REFERENCE_YEAR - 1, 6, 30))
        years = 10 if p.age() >= 16 else 5
        rows.append(
            [
                f"CRJ{issued:%Y%m%d}{n:06d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.csrq,
                kind,
                ids.passport(rng) if kind == "普通护照" else None,
                ids.hk_macao_permit(rng) if kind != "普通护照" else None,
                issued,
                add_years(issued, years) - dt.timedelta(days=1),
                "国家移民管理局" if kind == "普通护照" else "深圳市公安局出入境管理局",
                gxsj,
            ]
        )
    return Table(
        name="crj_zjxx",
        comment="出入境证件信息",
        columns=[
            Column("sqbh", "varchar(20)", "申请编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("csrq", "date", "出生日期", describes=(("sfzh", "出生日期"),)),
            Column("zjlx", "varchar(20)", "证件类型"),
            Column("hzhm", "varchar(9)", "护照号码", "CN_PASSPORT"),
            Column("gatxz", "varchar(9)", None, "CN_HK_MACAO_PERMIT"),
            Column("qfrq", "date", "签发日期"),
            Column("yxqz", "date", "有效期至"),
            Column("qfjg", "varchar(50)", "签发机关"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("sqbh",),
        update_column="gxsj",
        update_cycle="每周",
    )


_REMARKS = ("已核验", "租住", "单位宿舍", "已办理居住证", "信息已更新", None, None, None)


def _remark(ctx: Context) -> str | None:
    rng = ctx.rng
    roll = rng.random()
    if roll < 0.08:
        landlord = ctx.person(rng.randrange(len(ctx.people.persons)))
        return f"房东{landlord.xm}，电话{landlord.mobile or ids.mobile(rng)}，已上门核实"
    if roll < 0.12:
        other = ctx.person(rng.randrange(len(ctx.people.persons)))
        return f"同住人{other.xm}（身份证{other.sfzh}）"
    return rng.choice(_REMARKS)


def _migrant_registration(ctx: Context) -> Table:
    rng = ctx.rng
    migrants = ctx.sample(ctx.people.where(local=False, min_age=16), ctx.n(8000))
    # the registration system's sync job broke 45 days ago: declared daily, effectively stale
    times = ctx.update_times(len(migrants), ctx.newest_update("每日", stale_days=45), span_days=1000)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(migrants, times, strict=True), start=1):
        p = ctx.person(idx)
        registered = ctx.date_between(dt.date(2019, 1, 1), gxsj.date())
        rows.append(
            [
                f"4403{registered:%y}{n:08d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.hjdz,
                p.xzz,
                p.mobile,
                ctx.fake.company() if rng.random() < 0.6 else None,
                registered,
                add_years(registered, 1),
                _remark(ctx),
                gxsj,
            ]
        )
    return Table(
        name="ldrk_jzdj",
        comment="流动人口居住登记信息",
        columns=[
            Column("jzzbh", "varchar(20)", "居住证编号"),
            Column("sfzh", "varchar(18)", "公民身份号码", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("hjdz", "varchar(200)", "户籍地址", "ADDRESS", describes=(("sfzh", "住址"),)),
            Column("xzz", "varchar(200)", "现居住地址", "ADDRESS"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("fwcs", "varchar(200)", "服务处所"),
            Column("djrq", "date", "登记日期"),
            Column("yxqz", "date", "有效期至"),
            Column("bz", "text", None, "FREE_TEXT_WITH_PII"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("jzzbh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 公安 tables and inject their defects."""
    residents = _resident_table(ctx)
    households = _household_table(ctx)
    documents = _travel_documents(ctx)
    migrants = _migrant_registration(ctx)
    ctx.data.tables += [residents, households, documents, migrants]

    taken: set[int] = set()
    ctx.mutate(migrants, "sfzh", ctx.pick(migrants, 5, taken), ids.corrupt_id_checksum, "invalid_id_checksum")
    rng = ctx.rng
    ctx.mutate(
        migrants,
        "lxdh",
        ctx.pick(migrants, 6, taken, lambda r: r[6]),
        lambda v: ids.malformed_mobile(rng, v),
        "malformed_phone",
    )
    for table, days in ((documents, 30), (migrants, 45)):
        newest = max(table.values("gxsj"))
        ctx.defect(
            "stale_table",
            table.name,
            "gxsj",
            1,
            [newest.isoformat(sep=" ")],
            f"声明更新周期{table.update_cycle}，最近更新距 as_of 约{days}天",
        )
    return ctx.data
