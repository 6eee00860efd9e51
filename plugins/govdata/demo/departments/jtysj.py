"""交通运输局: 运输企业, 从业人员, 营运车辆, 网约车订单, and a legacy table with hostile identifiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from govdata.demo import identifiers as ids
from govdata.demo.context import Context, add_years
from govdata.demo.model import Column, DepartmentData, Table
from govdata.demo.pools import TRANSPORT_INDUSTRIES, other_name, renamed_company

CODE = "jtysj"
#: A table and column names that break any SQL built by string concatenation.
HOSTILE_TABLE = 'a"; drop table x; --'
HOSTILE_COLUMNS = ("select", "Mixed Case 列")

_SCOPES = ("道路普通货物运输", "道路旅客运输", "出租汽车客运", "网络预约出租汽车经营", "道路货物专用运输(集装箱)")
_DRIVER_KINDS = (
    ("经营性道路旅客运输驾驶员", "A1"), ("经营性道路货物运输驾驶员", "A2"),
    ("巡游出租汽车驾驶员", "C1"), ("网络预约出租汽车驾驶员", "C1"),
)  # fmt: skip
_VEHICLES = (
    ("网约车", "小型轿车", ("比亚迪汉EV", "比亚迪秦PLUS", "广汽埃安S", "小鹏P5")),
    ("出租车", "小型轿车", ("比亚迪e6", "比亚迪e5")),
    ("货车", "重型厢式货车", ("解放J6P", "东风天龙", "重汽豪沃")),
    ("客车", "大型普通客车", ("宇通ZK6128", "金龙XMQ6127", "比亚迪K9")),
)
_PLACES = (
    "深圳北站", "深圳宝安国际机场T3", "福田高铁站", "罗湖口岸", "南山科技园", "深圳湾口岸", "华强北", "东门老街",
    "欢乐谷", "世界之窗", "蛇口港", "大梅沙海滨公园", "前海自贸区", "坂田华为基地", "龙岗万达广场", "光明科学城",
)  # fmt: skip


def _operators(ctx: Context) -> Table:
    rng = ctx.rng
    candidates = [c for c in ctx.companies if c.industry in TRANSPORT_INDUSTRIES]
    chosen = ctx.sample(list(range(len(candidates))), ctx.n(1200, minimum=20))
    times = ctx.update_times(len(chosen), ctx.newest_update("每月"), span_days=1500)
    rows = []
    for n, (i, gxsj) in enumerate(zip(chosen, times, strict=True), start=1):
        c = candidates[i]
        issued = max(c.founded, ctx.date_between(dt.date(2012, 1, 1), gxsj.date()))
        rows.append(
            [
                f"粤交运管许可深字440300{n:06d}号",
                c.uscc,
                c.name,
                ctx.person(c.legal_rep).xm,
                rng.choice(_SCOPES),
                c.address,
                c.phone,
                issued,
                add_years(issued, 6),
                gxsj,
            ]
        )
    return Table(
        name="ysqy",
        comment="道路运输经营业户",
        columns=[
            Column("xkzh", "varchar(40)", "道路运输经营许可证号"),
            Column("tyshxydm", "varchar(18)", "统一社会信用代码", "CN_USCC"),
            Column("qymc", "varchar(200)", "业户名称", describes=(("tyshxydm", "企业名称"),)),
            Column("fddbr", "varchar(50)", "法定代表人", "PERSON", describes=(("tyshxydm", "法定代表人"),)),
            Column("jyfw", "varchar(100)", "经营范围"),
            Column("dz", "varchar(200)", "经营地址", "ADDRESS"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_LANDLINE"),
            Column("fzrq", "date", "发证日期"),
            Column("yxqz", "date", "有效期至"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("xkzh",),
        update_column="gxsj",
        update_cycle="每月",
    )


def _drivers(ctx: Context, operators: list[str]) -> Table:
    rng = ctx.rng
    drivers = ctx.sample(ctx.people.where(min_age=22, max_age=60), ctx.n(6000))
    times = ctx.update_times(len(drivers), ctx.newest_update("每日"), span_days=1500)
    rows = []
    for n, (idx, gxsj) in enumerate(zip(drivers, times, strict=True), start=1):
        p = ctx.person(idx)
        kind, licence = rng.choice(_DRIVER_KINDS)
        issued = ctx.date_between(dt.date(2015, 1, 1), gxsj.date())
        rows.append(
            [
                f"4403{issued:%Y}{n:08d}",
                p.sfzh,
                p.xm,
                p.xb,
                p.mobile,
                licence,
                kind,
                rng.choice(operators),
                issued,
                add_years(issued, 6),
                gxsj,
            ]
        )
    return Table(
        name="jsy_cyzg",
        comment="道路运输从业人员从业资格信息",
        columns=[
            Column("cyzgzh", "varchar(20)", "从业资格证号"),
            # wide enough for numbers typed with spaces, which this system accepts as they are
            Column("sfzh", "varchar(30)", "身份证号", "CN_RESIDENT_ID"),
            Column("xm", "varchar(50)", "姓名", "PERSON", describes=(("sfzh", "姓名"),)),
            Column("xb", "varchar(2)", "性别"),
            Column("lxdh", "varchar(20)", "联系电话", "CN_MOBILE"),
            Column("zjcx", "varchar(10)", "准驾车型"),
            Column("cyzglb", "varchar(50)", "从业资格类别"),
            Column("ssqy_tyshxydm", "varchar(18)", "所属企业统一社会信用代码", "CN_USCC"),
            Column("fzrq", "date", "发证日期"),
            Column("yxqz", "date", "有效期至"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("cyzgzh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _vehicles(ctx: Context, operators: list[str]) -> Table:
    rng = ctx.rng
    n_rows = ctx.n(8000)
    times = ctx.update_times(n_rows, ctx.newest_update("每日"), span_days=1500)
    plates: set[str] = set()
    rows = []
    for n, gxsj in enumerate(times, start=1):
        use, kind, models = rng.choices(_VEHICLES, (45, 20, 25, 10))[0]
        fuel = (
            rng.choice(("纯电动", "纯电动", "插电式混合动力"))
            if use in ("网约车", "出租车")
            else rng.choice(("柴油", "柴油", "纯电动"))
        )
        electric = fuel != "柴油"
        plate = ids.license_plate(rng, new_energy=electric)
        while plate in plates:
            plate = ids.license_plate(rng, new_energy=electric)
        plates.add(plate)
        rows.append(
            [
                f"440300{n:06d}",
                plate,
                ("渐变绿" if kind == "小型轿车" else "黄绿") if electric else "黄",
                kind,
                use,
                fuel,
                rng.choice(models),
                rng.choice(operators),
                ctx.date_between(gxsj.date(), gxsj.date() + dt.timedelta(days=365)),
                gxsj,
            ]
        )
    return Table(
        name="yyc_xx",
        comment="营运车辆信息",
        columns=[
            Column("dlyszh", "varchar(20)", "道路运输证号"),
            Column("hphm", "varchar(12)", "号牌号码", "CN_LICENSE_PLATE"),
            Column("hpys", "varchar(10)", "号牌颜色"),
            Column("cllx", "varchar(20)", "车辆类型"),
            Column("yyxz", "varchar(20)", "营运性质"),
            Column("rlzl", "varchar(20)", "燃料种类"),
            Column("ppxh", "varchar(50)", "品牌型号"),
            Column("ssqy_tyshxydm", "varchar(18)", "所属企业统一社会信用代码", "CN_USCC"),
            Column("njyxq", "date", "年检有效期"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("dlyszh",),
        update_column="gxsj",
        update_cycle="每日",
    )


def _trips(ctx: Context, drivers: Table, vehicles: Table) -> Table:
    rng = ctx.rng
    ride_hail = [(row[1], row[2]) for row in drivers.rows if row[6] == "网络预约出租汽车驾驶员"] or [
        (row[1], row[2]) for row in drivers.rows
    ]
    plates = [row[1].replace("·", "") for row in vehicles.rows if row[4] == "网约车"] or ["粤BD00001"]
    passengers = [ctx.person(i).mobile for i in ctx.people.where(min_age=16)]
    n_rows = ctx.n(15000)
    times = ctx.update_times(n_rows, ctx.newest_update("实时"), span_days=120)
    rows = []
    for n, gxsj in enumerate(times, start=1):
        sfzh, xm = rng.choice(ride_hail)
        arrive = gxsj - dt.timedelta(minutes=rng.randrange(1, 30))
        minutes = rng.randrange(8, 90)
        km = Decimal(f"{minutes * (0.3 + rng.random() * 0.5):.1f}")
        start, end = rng.sample(_PLACES, 2)
        rows.append(
            [
                f"WYC{arrive:%Y%m%d%H%M}{n:08d}",
                rng.choice(plates),
                sfzh,
                xm,
                rng.choice(passengers),
                (arrive - dt.timedelta(minutes=minutes)).replace(microsecond=0),
                arrive.replace(microsecond=0),
                start,
                end,
                km,
                Decimal(f"{float(km) * 2.6 + 10:.2f}"),
                ids.ipv4(rng),
                gxsj,
            ]
        )
    return Table(
        name="wyc_ddxx",
        comment="网约车订单信息",
        columns=[
            Column("ddbh", "varchar(32)", "订单编号"),
            Column("hphm", "varchar(12)", None, "CN_LICENSE_PLATE"),
            Column("jsy_sfzh", "varchar(18)", "驾驶员身份证号", "CN_RESIDENT_ID"),
            Column("jsyxm", "varchar(50)", "驾驶员姓名", "PERSON", describes=(("jsy_sfzh", "姓名"),)),
            Column("ckdh", "varchar(20)", None, "CN_MOBILE"),
            Column("cfsj", "timestamp", "出发时间"),
            Column("ddsj", "timestamp", "到达时间"),
            Column("qdmc", "varchar(100)", "起点"),
            Column("zdmc", "varchar(100)", "终点"),
            Column("lc", "numeric(8,1)", "里程(公里)"),
            Column("je", "numeric(10,2)", "订单金额(元)"),
            Column("ip_dz", "varchar(15)", None, "IP_ADDRESS"),
            Column("gxsj", "timestamp", "更新时间"),
        ],
        rows=rows,
        primary_key=("ddbh",),
        update_column="gxsj",
        update_cycle="实时",
    )


def _hostile(ctx: Context) -> Table:
    rng = ctx.rng
    rows = [
        [i, rng.choice(("普通", "重点", "停用")), rng.choice(("测试数据", "遗留记录", "待清理"))] for i in range(1, 21)
    ]
    return Table(
        name=HOSTILE_TABLE,
        comment="历史遗留表（命名不规范）",
        columns=[
            Column("id", "integer", "序号"),
            Column(HOSTILE_COLUMNS[0], "varchar(20)", "类型"),
            Column(HOSTILE_COLUMNS[1], "varchar(50)"),
        ],
        rows=rows,
        primary_key=("id",),
        update_cycle="不定期",
    )


def build(ctx: Context) -> DepartmentData:
    """Generate the 交通运输 tables and inject their defects and conflicts."""
    rng = ctx.rng
    operators = _operators(ctx)
    operator_codes = [row[1] for row in operators.rows]
    drivers = _drivers(ctx, operator_codes)
    vehicles = _vehicles(ctx, operator_codes)
    trips = _trips(ctx, drivers, vehicles)
    hostile = _hostile(ctx)
    ctx.data.tables += [operators, drivers, vehicles, trips, hostile]

    taken: set[int] = set()
    ctx.conflict(
        operators,
        ctx.pick(operators, 5, taken),
        "tyshxydm",
        "qymc",
        "CN_USCC",
        "企业名称",
        lambda v: renamed_company(rng, v),
    )
    ctx.conflict(
        operators,
        ctx.pick(operators, 4, taken),
        "tyshxydm",
        "fddbr",
        "CN_USCC",
        "法定代表人",
        lambda v: other_name(rng, v),
    )
    ctx.mutate(
        operators,
        "tyshxydm",
        ctx.pick(operators, 4, taken, lambda r: any(ch.isalpha() for ch in r[1])),
        str.lower,
        "key_format_variant",
        "小写字母",
    )

    registered = ctx.registered_ids()
    taken = set()
    ctx.name_conflict(drivers, ctx.pick(drivers, 4, taken, lambda r: r[1] in registered))
    ctx.mutate(drivers, "sfzh", ctx.pick(drivers, 5, taken), ids.spaced_id, "key_format_variant", "号码中含空格")

    ctx.mutate(
        trips,
        "ckdh",
        ctx.pick(trips, 8, set(), lambda r: r[4]),
        lambda v: ids.malformed_mobile(rng, v),
        "malformed_phone",
    )
    ctx.defect("hostile_identifier", HOSTILE_TABLE, None, 1, [HOSTILE_TABLE], "表名含引号、分号和SQL注释")
    for column in HOSTILE_COLUMNS:
        ctx.defect("hostile_identifier", HOSTILE_TABLE, column, 1, [column], "列名为保留字或含空格、大小写混合")
    return ctx.data
