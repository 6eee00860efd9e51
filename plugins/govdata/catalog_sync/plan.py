"""The OpenMetadata entities the warehouse state calls for, as the SDK's generated request models (pure).

Nothing here talks to a server: ids of entities made earlier in the same sync (teams, the string type, tables)
come in as arguments, so every function is tested with plain values.
"""

from __future__ import annotations

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
from metadata.generated.schema.entity.classification.classification import Classification
from metadata.generated.schema.entity.classification.tag import Tag
from metadata.generated.schema.entity.data.database import Database
from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema
from metadata.generated.schema.entity.data.glossary import Glossary
from metadata.generated.schema.entity.data.glossaryTerm import GlossaryTerm
from metadata.generated.schema.entity.data.table import Column, DataType, Table
from metadata.generated.schema.entity.services.databaseService import DatabaseService, DatabaseServiceType
from metadata.generated.schema.entity.teams.team import Team, TeamType
from metadata.generated.schema.type.customProperty import PropertyType
from metadata.generated.schema.type.entityLineage import Source as LineageSource
from metadata.generated.schema.type.entityReference import EntityReference
from metadata.generated.schema.type.entityReferenceList import EntityReferenceList
from metadata.generated.schema.type.tagLabel import LabelType, State, TagLabel, TagSource
from metadata.ingestion.models.custom_properties import OMetaCustomProperties
from metadata.ingestion.source.database.column_type_parser import ColumnTypeParser
from metadata.utils.fqn import quote_name
from pydantic import BaseModel

from govdata.catalog_sync.state import SERVED_SCHEMAS, ColumnState, DepartmentState, TableState, WarehouseState

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
