"""The OpenMetadata entities the warehouse state calls for, as the SDK's generated request models (pure).

Nothing here talks to a server: ids of entities made earlier in the same sync (teams, the string type, tables)
come in as arguments, so every function is tested with plain values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from metadata.generated.schema.api.classification.createClassification import CreateClassificationRequest
from metadata.generated.schema.api.classification.createTag import CreateTagRequest
from metadata.generated.schema.api.data.createCustomProperty import CreateCustomPropertyRequest
from metadata.generated.schema.api.data.createDatabase import CreateDatabaseRequest
from metadata.generated.schema.api.data.createDatabaseSchema import CreateDatabaseSchemaRequest
from metadata.generated.schema.api.data.createGlossary import CreateGlossaryRequest
from metadata.generated.schema.api.data.createGlossaryTerm import CreateGlossaryTermRequest
from metadata.generated.schema.api.data.createTable import CreateTableRequest
from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
from metadata.generated.schema.api.services.createDatabaseService import CreateDatabaseServiceRequest
from metadata.generated.schema.api.teams.createTeam import CreateTeamRequest
from metadata.generated.schema.api.tests.createTestCase import CreateTestCaseRequest
from metadata.generated.schema.api.tests.createTestDefinition import CreateTestDefinitionRequest
from metadata.generated.schema.api.tests.createTestSuite import CreateTestSuiteRequest
from metadata.generated.schema.entity.classification.classification import Classification
from metadata.generated.schema.entity.classification.tag import Tag
from metadata.generated.schema.entity.data.database import Database
from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema
from metadata.generated.schema.entity.data.glossary import Glossary
from metadata.generated.schema.entity.data.glossaryTerm import GlossaryTerm
from metadata.generated.schema.entity.data.table import Column, DataType, Table
from metadata.generated.schema.entity.services.databaseService import DatabaseService, DatabaseServiceType
from metadata.generated.schema.entity.teams.team import Team, TeamType
from metadata.generated.schema.tests.basic import TestCaseResult, TestCaseStatus
from metadata.generated.schema.tests.testCase import TestCase
from metadata.generated.schema.tests.testDefinition import DataQualityDimensions, EntityType, TestDefinition
from metadata.generated.schema.tests.testSuite import TestSuite
from metadata.generated.schema.type.customProperty import PropertyType
from metadata.generated.schema.type.entityLineage import Source as LineageSource
from metadata.generated.schema.type.entityReference import EntityReference
from metadata.generated.schema.type.entityReferenceList import EntityReferenceList
from metadata.generated.schema.type.tagLabel import LabelType, State, TagLabel, TagSource
from metadata.ingestion.models.custom_properties import OMetaCustomProperties
from metadata.ingestion.source.database.column_type_parser import ColumnTypeParser
from metadata.utils.fqn import quote_name
from pydantic import BaseModel

from govdata.catalog_sync.state import (
    SERVED_SCHEMAS,
    ColumnState,
    DepartmentState,
    QualityResultState,
    TableState,
    WarehouseState,
)
from govdata.quality import suites

SERVICE = "govdata_warehouse"
GRADE_CLASSIFICATION = "GovDataGrade"
ENTITY_CLASSIFICATION = "GovDataEntity"
GLOSSARY = "govdata_responsibility"
#: entities of the classifier that are not a kind of data (no tag for them)
NO_ENTITY = ("NONE", "待分级")

#: 分级 (DB33/T 2350-2021, config/classification.yaml): tag descriptions
GRADES = {
    "L1": "L1 不敏感：无条件开放（信用评价、行政许可/处罚公示）",
    "L2": "L2 低敏感：有条件开放，审批/授权、脱敏",
    "L3": "L3 较敏感：有条件开放，审批/授权、脱敏",
    "L4": "L4 敏感：不予开放",
}

#: custom properties of tables: name → (显示名, description)
TABLE_PROPERTIES = {
    "resourceCode": ("资源代码", "信息资源代码（类/项/目 + 顺序码）"),
    "shareAttribute": ("共享属性", "无条件共享 / 有条件共享 / 不予共享"),
    "openAttribute": ("开放属性", "无条件开放 / 有条件开放 / 不予开放"),
    "updateCycle": ("更新周期", "实时 / 每日 / 每周 / 每月 / 每季度 / 每年 / 不定期"),
}

_SERVED_NAMES = {"open_data": "无条件开放数据", "conditional_data": "有条件开放数据（假名化）"}
_LENGTH_TYPES = (DataType.VARCHAR, DataType.CHAR, DataType.BINARY, DataType.VARBINARY)


@dataclass(frozen=True)
class Desired:
    """One entity as it should be on the server: its class, FQN, the request that makes it, fields to compare."""

    entity: type[BaseModel]
    fqn: str
    request: BaseModel
    fields: tuple[str, ...] = ()


def fqn(*names: str) -> str:
    """OpenMetadata's fully qualified name: names quoted where they hold a dot, joined by dots."""
    return ".".join(quote_name(n) for n in names)


def table_fqn(database: str, schema: str, table: str) -> str:
    """FQN of a warehouse table in the service."""
    return fqn(SERVICE, database, schema, table)


def managed_schemas(state: WarehouseState) -> tuple[str, ...]:
    """The schemas the sync owns on the server: a table there that the state lacks is soft-deleted."""
    return (*state.raw_schemas, *SERVED_SCHEMAS)


def is_representable(name: str) -> bool:
    """Whether OpenMetadata can hold the name: its FQN rules refuse a double quote inside a name."""
    try:
        quote_name(name)
    except ValueError:
        return False
    return True


def representable(state: WarehouseState) -> tuple[WarehouseState, list[str]]:
    """The state without tables, columns and data items OpenMetadata cannot name, and a note for each left out.

    A crawled table or header may hold anything (the demo has ``a"; drop table x; --``); the server would refuse
    the whole request, so only that table or column is left out, and said so.
    """
    notes = []
    tables = []
    for table in state.tables:
        if not is_representable(table.name):
            notes.append(f"{table.schema}.{table.name}: not synced, OpenMetadata names cannot hold a double quote")
            continue
        columns = tuple(c for c in table.columns if is_representable(c.name))
        if len(columns) != len(table.columns):
            left_out = ", ".join(c.name for c in table.columns if c not in columns)
            notes.append(f"{table.schema}.{table.name}: column(s) {left_out} not synced (double quote in the name)")
        tables.append(replace(table, columns=columns))
    items = tuple(i for i in state.data_items if is_representable(i.name))
    notes += [f"data item {i.name}: not synced (double quote in the name)" for i in state.data_items if i not in items]
    return replace(state, tables=tuple(tables), data_items=items), notes


def _owners(team_id: str | None) -> EntityReferenceList | None:
    return EntityReferenceList([EntityReference.model_validate(dict(id=team_id, type="team"))]) if team_id else None


def plan_teams(state: WarehouseState) -> list[Desired]:
    """A team per department. Type Group: OpenMetadata lets only Group teams own data assets."""
    return [_team(d) for d in state.departments]


def _team(d: DepartmentState) -> Desired:
    request = CreateTeamRequest.model_validate(
        dict(
            name=d.code,
            displayName=d.name,
            teamType=TeamType.Group,
            description=f"数源部门 {d.name}（统一社会信用代码 {d.org_code}）",
        )
    )
    return Desired(Team, fqn(d.code), request)


def entities_in_use(state: WarehouseState) -> list[str]:
    """Entity types found on synced columns, sorted: each gets a tag."""
    found = {c.entity for t in state.tables for c in t.columns if c.entity and c.entity not in NO_ENTITY}
    return sorted(found)


def plan_classifications(state: WarehouseState) -> list[Desired]:
    """GovDataGrade with L1–L4, GovDataEntity with a tag per entity type in use."""
    out = [
        Desired(
            Classification,
            GRADE_CLASSIFICATION,
            CreateClassificationRequest.model_validate(
                dict(
                    name=GRADE_CLASSIFICATION,
                    displayName="数据分级",
                    description="govdata 分类分级：字段级别 L1–L4（DB33/T 2350-2021），"
                    "由 governance.field_classification 同步",
                    mutuallyExclusive=True,
                )
            ),
        )  # fmt: skip
    ]
    for grade, description in GRADES.items():
        request = CreateTagRequest.model_validate(
            dict(classification=GRADE_CLASSIFICATION, name=grade, description=description)
        )
        out.append(Desired(Tag, fqn(GRADE_CLASSIFICATION, grade), request))
    out.append(
        Desired(
            Classification,
            ENTITY_CLASSIFICATION,
            CreateClassificationRequest.model_validate(
                dict(
                    name=ENTITY_CLASSIFICATION,
                    displayName="数据实体类型",
                    description="govdata 分类分级识别出的字段实体类型（身份证号、手机号、姓名……）",
                    mutuallyExclusive=True,
                )
            ),
        )  # fmt: skip
    )
    for entity in entities_in_use(state):
        request = CreateTagRequest.model_validate(
            dict(
                classification=ENTITY_CLASSIFICATION, name=entity, description=f"字段实体类型 {entity}（govdata 识别）"
            )
        )
        out.append(Desired(Tag, fqn(ENTITY_CLASSIFICATION, entity), request))
    return out


def plan_glossary(state: WarehouseState, team_ids: Mapping[str, str]) -> list[Desired]:
    """The 责任清单 as a glossary: a term per data item, owned by its authoritative department(s)."""
    if not state.data_items:
        return []
    out = [
        Desired(
            Glossary,
            GLOSSARY,
            CreateGlossaryRequest.model_validate(
                dict(
                    name=GLOSSARY,
                    displayName="责任清单",
                    description="一数一源：每个数据项由其权威数源部门负责采集和更新（catalog.responsibility）",
                )
            ),
        )  # fmt: skip
    ]
    names = {d.code: d.name for d in state.departments}
    for item in state.data_items:
        authority = "、".join(names.get(c, c) for c in item.department_codes) or "未明确"
        lines = [f"**权威部门**：{authority}（{item.status}）"]
        if item.holders:
            lines.append("**持有部门**：" + "、".join(names.get(c, c) for c in item.holders))
        lines += [f"- {s}" for s in item.sources]
        owners = [team_ids[c] for c in item.department_codes if c in team_ids]
        request = CreateGlossaryTermRequest.model_validate(
            dict(
                glossary=GLOSSARY,
                name=item.name,
                displayName=item.name,
                description="\n\n".join(lines[:2]) + ("\n\n" + "\n".join(lines[2:]) if lines[2:] else ""),
                owners=[{"id": i, "type": "team"} for i in owners] or None,
            )
        )
        out.append(Desired(GlossaryTerm, fqn(GLOSSARY, item.name), request, ("owners",)))
    return out


def plan_custom_properties(string_type_id: str) -> list[OMetaCustomProperties]:
    """资源代码, 共享属性, 开放属性, 更新周期 as string custom properties of the table type."""
    prop_type = PropertyType(EntityReference.model_validate(dict(id=string_type_id, type="type")))
    return [
        OMetaCustomProperties.model_validate(
            dict(
                entity_type=Table,
                createCustomPropertyRequest=CreateCustomPropertyRequest.model_validate(
                    dict(name=name, displayName=label, description=description, propertyType=prop_type)
                ),
            )
        )
        for name, (label, description) in TABLE_PROPERTIES.items()
    ]


def plan_warehouse(state: WarehouseState, team_ids: Mapping[str, str]) -> list[Desired]:
    """Service, database, schemas (raw_<dept>, open_data, conditional_data) and tables, in creation order."""
    db = state.database
    out = [
        Desired(
            DatabaseService,
            SERVICE,
            CreateDatabaseServiceRequest.model_validate(dict(
                name=SERVICE, displayName="政务数据仓库", serviceType=DatabaseServiceType.Postgres,
                description="govdata 数据仓库（PostgreSQL）：数源部门采集快照与开放数据",
            )),
        ),
        Desired(
            Database,
            fqn(SERVICE, db),
            CreateDatabaseRequest.model_validate(dict(name=db, service=SERVICE, description="公共数据资源仓库")),
        ),
    ]  # fmt: skip
    for d in state.departments:
        request = CreateDatabaseSchemaRequest.model_validate(
            dict(
                name=f"raw_{d.code}",
                database=fqn(SERVICE, db),
                displayName=f"{d.name} 数源系统",
                description=f"{d.name}业务系统的采集快照（数源部门 {d.code}）",
                owners=_owners(team_ids.get(d.code)),
            )
        )
        out.append(Desired(DatabaseSchema, fqn(SERVICE, db, f"raw_{d.code}"), request, ("owners",)))
    for schema, label in _SERVED_NAMES.items():
        request = CreateDatabaseSchemaRequest.model_validate(
            dict(
                name=schema, database=fqn(SERVICE, db), displayName=label, description=f"{label}：开放门户读取的数据集"
            )
        )
        out.append(Desired(DatabaseSchema, fqn(SERVICE, db, schema), request, ("owners",)))
    for table in state.tables:
        out.append(_table(db, table, team_ids))
    return out


def _table(db: str, table: TableState, team_ids: Mapping[str, str]) -> Desired:
    request = CreateTableRequest.model_validate(
        dict(
            name=table.name,
            displayName=table.display_name,
            description=table.description or table.display_name,
            databaseSchema=fqn(SERVICE, db, table.schema),
            columns=[column(c, i) for i, c in enumerate(table.columns, start=1)],
            owners=_owners(team_ids.get(table.department_code or "")),
            extension=dict(table.properties) or None,
        )
    )
    return Desired(Table, table_fqn(db, table.schema, table.name), request, ("columns", "owners", "tags", "extension"))


def column(c: ColumnState, position: int) -> Column:
    """A column: 信息项名称 as display name and description, grade/entity/PII tags, OpenMetadata's data type."""
    data_type = ColumnTypeParser.get_column_type(c.pg_type)
    kind = DataType(data_type) if data_type in DataType.__members__ else DataType.UNKNOWN
    extra: dict[str, Any] = {}
    if kind in _LENGTH_TYPES:
        # the server requires a length for these; unbounded varchar has none, 1 is what OpenMetadata's own
        # PostgreSQL connector sends then
        extra["dataLength"] = c.max_length or 1
    if kind is DataType.ARRAY:
        extra["arrayDataType"] = DataType.UNKNOWN
    description = c.item_name
    if c.treatment and c.treatment != "kept":
        description = f"{c.item_name}（开放处理：{c.treatment}）"
    return Column.model_validate(
        dict(
            name=c.name,
            displayName=c.item_name or None,
            dataType=kind,
            dataTypeDisplay=c.pg_type,
            description=description or None,
            ordinalPosition=position,
            tags=column_tags(c) or None,
            **extra,
        )
    )


def column_tags(c: ColumnState) -> list[TagLabel]:
    """GovDataGrade.<grade>, GovDataEntity.<entity>, and PII.Sensitive / PII.NonSensitive for personal data."""
    names = []
    if c.grade:
        names.append(fqn(GRADE_CLASSIFICATION, c.grade))
    if c.entity and c.entity not in NO_ENTITY:
        names.append(fqn(ENTITY_CLASSIFICATION, c.entity))
    if c.is_personal:
        names.append("PII.Sensitive" if c.grade in ("L3", "L4") else "PII.NonSensitive")
    return [
        TagLabel.model_validate(
            dict(tagFQN=n, source=TagSource.Classification, labelType=LabelType.Automated, state=State.Confirmed)
        )
        for n in names
    ]


@dataclass(frozen=True)
class DesiredEdge:
    """Lineage raw snapshot → served dataset, with the column pairs the publication kept by name."""

    from_fqn: str
    to_fqn: str
    column_pairs: tuple[tuple[str, str], ...]  # (from column FQN, to column FQN)

    def request(self, from_id: str, to_id: str) -> AddLineageRequest:
        """The SDK request, once both tables' ids are known."""
        return AddLineageRequest.model_validate(
            dict(
                edge={
                    "fromEntity": {"id": from_id, "type": "table"},
                    "toEntity": {"id": to_id, "type": "table"},
                    "lineageDetails": {
                        "columnsLineage": [{"fromColumns": [f], "toColumn": t} for f, t in self.column_pairs] or None,
                        "source": LineageSource.Manual,
                        "description": "govdata 开放数据：由数源快照脱敏、泛化后发布",
                    },
                }
            )
        )


def plan_lineage(state: WarehouseState) -> list[DesiredEdge]:
    """An edge per served dataset derived from one raw table; column pairs where the name survived publication."""
    raw = {(t.schema, t.name): t for t in state.tables if t.schema not in SERVED_SCHEMAS}
    out = []
    for t in state.tables:
        if t.source is None or t.source not in raw:
            continue
        src = raw[t.source]
        src_fqn = table_fqn(state.database, *t.source)
        dst_fqn = table_fqn(state.database, t.schema, t.name)
        src_columns = {c.name for c in src.columns}
        pairs = tuple(
            (fqn_child(src_fqn, c.name), fqn_child(dst_fqn, c.name)) for c in t.columns if c.name in src_columns
        )
        out.append(DesiredEdge(src_fqn, dst_fqn, pairs))
    return out


def fqn_child(parent: str, name: str) -> str:
    """FQN of a column (or any child) under its parent's FQN."""
    return f"{parent}.{quote_name(name)}"


# ---- quality results as test cases

#: GX expectation type → OpenMetadata's built-in test definition that checks the same (the server ships them)
BUILT_IN_DEFINITIONS = {
    suites.NOT_NULL: "columnValuesToBeNotNull",
    suites.UNIQUE: "columnValuesToBeUnique",
    suites.BETWEEN: "columnValuesToBeBetween",
    suites.IN_SET: "columnValuesToBeInSet",
    suites.COLUMN_EXISTS: "tableColumnNameToExist",
}


@dataclass(frozen=True)
class Definition:
    """A test definition of ours (none built in fits): name, level, dimension, 显示名 and description."""

    name: str
    entity_type: EntityType
    dimension: DataQualityDimensions
    display_name: str
    description: str

    def request(self) -> CreateTestDefinitionRequest:
        """The SDK request; results come from Great Expectations, so that is its platform."""
        return CreateTestDefinitionRequest.model_validate(
            dict(
                name=self.name,
                displayName=self.display_name,
                description=self.description,
                entityType=self.entity_type,
                testPlatforms=["GreatExpectations"],
                dataQualityDimension=self.dimension,
            )
        )


_VALIDITY_LABELS = {
    "CN_RESIDENT_ID": ("govdataValidCnResidentId", "有效身份证号", "居民身份证号有效（校验位、出生日期、行政区划）"),
    "CN_USCC": ("govdataValidCnUscc", "有效统一社会信用代码", "统一社会信用代码有效（登记机关、类别、区划、校验位）"),
    "CN_MOBILE": ("govdataValidCnMobile", "有效手机号", "手机号有效（11 位，号段有效）"),
    "CN_DIVISION_CODE": ("govdataValidCnDivisionCode", "有效行政区划代码", "行政区划代码有效（GB/T 2260）"),
}
#: GX expectation type (or the dimension of an unexpected-rows check) → our own definition
CUSTOM_DEFINITIONS: dict[str, Definition] = {
    **{
        suites.VALIDITY_TYPES[entity]: Definition(
            name, EntityType.COLUMN, DataQualityDimensions.Validity, label,
            f"govdata 有效性检查：{text}（Great Expectations `{suites.VALIDITY_TYPES[entity]}`）",
        )
        for entity, (name, label, text) in _VALIDITY_LABELS.items()
    },
    suites.COMPOUND_UNIQUE: Definition(
        "govdataCompoundColumnsToBeUnique", EntityType.TABLE, DataQualityDimensions.Uniqueness, "组合键唯一",
        "govdata 唯一性检查：多列组合键取值唯一（Great Expectations `expect_compound_columns_to_be_unique`）",
    ),
    "timeliness": Definition(
        "govdataTimeliness", EntityType.TABLE, DataQualityDimensions.Accuracy, "按更新周期及时更新",
        "govdata 及时性检查：资源按目录声明的更新周期更新（catalog.resource.is_stale）；"
        "OpenMetadata 没有及时性维度，记在 Accuracy 下",
    ),
    "consistency": Definition(
        "govdataSourceConsistency", EntityType.COLUMN, DataQualityDimensions.Consistency, "一数一源一致",
        "govdata 一致性检查（一数一源）：副本字段与权威数源部门的字段按键比对一致（catalog.source_conflict）",
    ),
}  # fmt: skip

_STATUS = {
    TestCaseStatus.Success: ("通过", "Success"),
    TestCaseStatus.Failed: ("未通过", "Failed"),
    TestCaseStatus.Aborted: ("未能执行", "Aborted"),
}
_SEVERITY = {"critical": "严重", "warning": "警告", "info": "提示"}
_UNSAFE_NAME = re.compile(r"[^\w\-]+")


def definition_of(result: QualityResultState, column_level: bool) -> tuple[str, Definition | None]:
    """The test definition's FQN for a result, and ours to create (None: OpenMetadata's built-in one).

    A built-in with a required parameter we cannot fill (a staff-added code-list check not in
    config/quality.yaml) and any other expectation type get a definition named after the GX type.
    """
    built_in = BUILT_IN_DEFINITIONS.get(result.expectation_type)
    if built_in == "columnValuesToBeInSet" and not result.parameters:
        built_in = None
    if built_in is not None and column_level != (built_in == "tableColumnNameToExist"):
        return built_in, None
    custom = CUSTOM_DEFINITIONS.get(result.expectation_type)
    if result.expectation_type == suites.UNEXPECTED_ROWS and result.dimension in ("timeliness", "consistency"):
        custom = CUSTOM_DEFINITIONS[result.dimension]
    level = EntityType.COLUMN if column_level else EntityType.TABLE
    if custom is None or custom.entity_type is not level:
        name = _UNSAFE_NAME.sub("_", f"gx_{result.expectation_type}") + ("" if column_level else "_table")
        custom = Definition(
            name, level, DataQualityDimensions.NoDimension, result.expectation_type,
            f"Great Expectations `{result.expectation_type}`（govdata 质量检查，工作人员添加的期望）",
        )  # fmt: skip
    return custom.name, custom


def case_name(key: str) -> str:
    """An OpenMetadata name for an expectation key: word characters and ``-`` kept, ``:`` and the rest ``_``.

    ``completeness:xm`` → ``completeness_xm``. A key with other characters replaced (``uniqueness:a+b``,
    ``consistency:bh:101001/000001:bh``) gets a short hash of itself too, so keys that differ only there
    (``uniqueness:a+b``, ``uniqueness:a_b``) stay two test cases.
    """
    safe = _UNSAFE_NAME.sub("_", key).strip("_") or "check"
    if _UNSAFE_NAME.sub("", key.replace(":", "")) == key.replace(":", ""):
        return safe
    return f"{safe}_{_short_hash(key)}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:6]


@dataclass(frozen=True)
class DesiredTestCase:
    """A test case as it should be, and the result of the latest check to add to it (once)."""

    desired: Desired
    result: TestCaseResult


@dataclass(frozen=True)
class QualityPlan:
    """Our test definitions, the basic test suite of each checked table, its test cases with their results."""

    definitions: list[Desired]
    suites: list[Desired]
    cases: list[DesiredTestCase]


def plan_quality(state: WarehouseState) -> QualityPlan:
    """Each synced raw table's latest check as test cases (one per expectation) with their results."""
    tables = {(t.schema, t.name): t for t in state.tables if t.schema not in SERVED_SCHEMAS}
    definitions: dict[str, Desired] = {}
    suites_: dict[str, Desired] = {}
    cases = []
    taken: set[str] = set()
    for result in state.quality_results:
        table = tables.get((result.schema, result.table))
        if table is None:
            continue  # not synced (withdrawn, or a name OpenMetadata cannot hold)
        parent = table_fqn(state.database, table.schema, table.name)
        column = result.column_name if result.column_name in {c.name for c in table.columns} else None
        if result.expectation_type == suites.COLUMN_EXISTS:
            column = None  # OpenMetadata checks a column's existence on the table
        definition, custom = definition_of(result, column is not None)
        if custom is not None and custom.name not in definitions:
            definitions[custom.name] = Desired(TestDefinition, fqn(custom.name), custom.request())
        if parent not in suites_:
            suites_[parent] = Desired(TestSuite, fqn_child(parent, "testSuite"), _test_suite(parent, table))
        name = case_name(result.expectation_key)
        case_fqn = fqn_child(fqn_child(parent, column) if column else parent, name)
        if case_fqn in taken:  # two keys that read the same once made safe (``completeness:a_b``, ``…:a:b``)
            name = f"{name}_{_short_hash(result.expectation_key)}"
            case_fqn = fqn_child(fqn_child(parent, column) if column else parent, name)
        taken.add(case_fqn)
        parameters = list(result.parameters)
        if definition == "tableColumnNameToExist":
            parameters = [("columnName", result.column_name or "")]
        request = CreateTestCaseRequest.model_validate(
            dict(
                name=name,
                displayName=result.expectation_key,
                description=_test_case_description(result),
                testDefinition=definition,
                entityLink=entity_link(parent, column),
                parameterValues=[{"name": k, "value": v} for k, v in parameters] or None,
            )
        )
        cases.append(DesiredTestCase(Desired(TestCase, case_fqn, request, ("testCaseResult",)), case_result(result)))
    return QualityPlan(list(definitions.values()), list(suites_.values()), cases)


def entity_link(table: str, column: str | None = None) -> str:
    """``<#E::table::FQN>`` or ``<#E::table::FQN::columns::col>``, as the SDK builds it."""
    from metadata.utils.entity_link import get_entity_link

    return get_entity_link(Table, fqn=table, column_name=column)


def _test_suite(parent: str, table: TableState) -> CreateTestSuiteRequest:
    return CreateTestSuiteRequest.model_validate(
        dict(
            name=fqn_child(parent, "testSuite"),
            displayName=f"{table.display_name} 质量检查",
            description=f"govdata 数据质量检查（Great Expectations）：{table.display_name}",
            basicEntityReference=parent,
        )
    )


def _test_case_description(result: QualityResultState) -> str:
    where = f"字段 {result.column_name}" if result.column_name else "整表"
    return (
        f"govdata 质量检查 {result.expectation_key}（{result.dimension or '未分维度'}，"
        f"严重程度 {_SEVERITY.get(result.severity, result.severity)}）：{where}。"
        f"Great Expectations `{result.expectation_type}`，套件 {result.suite_name}"
    )


def case_result(result: QualityResultState) -> TestCaseResult:
    """The check's result: status, its time, counts (never a value, not even the masked examples)."""
    if result.error:
        status = TestCaseStatus.Aborted
    else:
        status = TestCaseStatus.Success if result.success else TestCaseStatus.Failed
    cn, en = _STATUS[status]
    severity = f"严重程度 {_SEVERITY.get(result.severity, result.severity)} / severity {result.severity}"
    if status is TestCaseStatus.Aborted:
        text = f"{cn}：检查无法运行（{result.error}）；{severity}。{en}: the check could not run."
    elif result.unexpected_count is not None and result.element_count is not None:
        percent = f"（{result.unexpected_percent:.2f}%）" if result.unexpected_percent is not None else ""
        text = (
            f"{cn}：{result.element_count} 行中 {result.unexpected_count} 行不符合{percent}；{severity}。"
            f"{en}: {result.unexpected_count} of {result.element_count} rows unexpected."
        )
    elif result.unexpected_count is not None:
        text = f"{cn}：{result.unexpected_count} 条不符合；{severity}。{en}: {result.unexpected_count} unexpected."
    else:
        text = f"{cn}；{severity}。{en}."
    values = [("unexpected_count", result.unexpected_count), ("element_count", result.element_count)]
    failed, total = result.unexpected_count, result.element_count
    return TestCaseResult.model_validate(
        dict(
            timestamp=int(result.checked_at.timestamp() * 1000),
            testCaseStatus=status,
            result=text,
            testResultValue=[{"name": k, "value": str(v)} for k, v in values if v is not None],
            failedRows=failed,
            passedRows=total - failed if failed is not None and total is not None else None,
            failedRowsPercentage=result.unexpected_percent,
        )
    )
