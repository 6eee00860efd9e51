"""A local stand-in for the subset of OpenMetadata's REST API that the SDK client calls in a catalog sync.

127.0.0.1 only, on a free port, one daemon thread, bodies capped, stopped by the fixture. It checks what a real
server checks that matters here — the bearer token, every request body against the SDK's request model, that
references (owners, tags, parent entities, custom properties, lineage columns) exist — and answers entities that
validate against the SDK's generated entity models and against their JSON Schema. Every call is recorded.

The generated models are produced by datamodel-codegen from OpenMetadata's published JSON schemas (each module
names its source file, e.g. ``entity/data/table.json``); openmetadata-ingestion 2.0.3.0 does not ship the .json
files themselves, so the schema checked is the one the model carries (``model_json_schema()``).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jsonschema
from metadata.generated.schema.api.classification.createClassification import CreateClassificationRequest
from metadata.generated.schema.api.classification.createTag import CreateTagRequest
from metadata.generated.schema.api.data.createCustomProperty import CreateCustomPropertyRequest
from metadata.generated.schema.api.data.createDatabase import CreateDatabaseRequest
from metadata.generated.schema.api.data.createDatabaseSchema import CreateDatabaseSchemaRequest
from metadata.generated.schema.api.data.createGlossary import CreateGlossaryRequest
from metadata.generated.schema.api.data.createGlossaryTerm import CreateGlossaryTermRequest
from metadata.generated.schema.api.data.createTable import CreateTableRequest
from metadata.generated.schema.api.lineage.addLineage import AddLineageRequest
from metadata.generated.schema.api.openMetadataServerVersion import OpenMetadataServerVersion
from metadata.generated.schema.api.services.createDatabaseService import CreateDatabaseServiceRequest
from metadata.generated.schema.api.teams.createTeam import CreateTeamRequest
from metadata.generated.schema.api.tests.createTestCase import CreateTestCaseRequest
from metadata.generated.schema.api.tests.createTestCaseResult import CreateTestCaseResult
from metadata.generated.schema.api.tests.createTestDefinition import CreateTestDefinitionRequest
from metadata.generated.schema.api.tests.createTestSuite import CreateTestSuiteRequest
from metadata.generated.schema.entity.classification.classification import Classification
from metadata.generated.schema.entity.classification.tag import Tag
from metadata.generated.schema.entity.data.database import Database
from metadata.generated.schema.entity.data.databaseSchema import DatabaseSchema
from metadata.generated.schema.entity.data.glossary import Glossary
from metadata.generated.schema.entity.data.glossaryTerm import GlossaryTerm
from metadata.generated.schema.entity.data.table import Table
from metadata.generated.schema.entity.services.databaseService import DatabaseService
from metadata.generated.schema.entity.teams.team import Team
from metadata.generated.schema.entity.type import Type
from metadata.generated.schema.tests.basic import TestCaseResult
from metadata.generated.schema.tests.testCase import TestCase
from metadata.generated.schema.tests.testDefinition import TestDefinition
from metadata.generated.schema.tests.testSuite import TestSuite
from metadata.generated.schema.type.entityLineage import EntityLineage
from metadata.utils.fqn import quote_name
from pydantic import BaseModel

SERVER_VERSION = "2.0.3"
MAX_BODY = 5 * 1024 * 1024
#: tags every OpenMetadata server ships (classification PII)
BUILT_IN_TAGS = ("PII.Sensitive", "PII.NonSensitive", "PII.None")
#: test definitions every OpenMetadata server ships (the ones the sync uses, with their parameters:
#: name, data type, required), as in OpenMetadata's data/tests/*.json
BUILT_IN_TEST_DEFINITIONS = {
    "columnValuesToBeNotNull": ("COLUMN", "Completeness", ()),
    "columnValuesToBeUnique": ("COLUMN", "Uniqueness", ()),
    "columnValuesToBeBetween": ("COLUMN", "Accuracy", (("minValue", "DOUBLE", False), ("maxValue", "DOUBLE", False))),
    "columnValuesToBeInSet": (
        "COLUMN",
        "Validity",
        (("allowedValues", "ARRAY", True), ("matchEnum", "BOOLEAN", False)),
    ),
    "tableColumnNameToExist": ("TABLE", "Integrity", (("columnName", "STRING", True),)),
    "tableCustomSQLQuery": ("TABLE", "SQL", (("sqlExpression", "STRING", True),)),
}
ENTITY_LINK = re.compile(r"<#E::table::(.+?)(?:::columns::(.+))?>")


@dataclass(frozen=True)
class Collection:
    """An entity collection: its create request, entity model, reference type and parent field."""

    request: type[BaseModel]
    entity: type[BaseModel]
    ref_type: str
    parent_field: str | None  # the request field naming the parent by FQN
    lazy_fields: tuple[str, ...]  # returned only when asked for with ?fields= (Table.columns is required: always)


COLLECTIONS = {
    "teams": Collection(CreateTeamRequest, Team, "team", None, ("owners",)),
    "classifications": Collection(CreateClassificationRequest, Classification, "classification", None, ("owners",)),
    "tags": Collection(CreateTagRequest, Tag, "tag", "classification", ("owners",)),
    "glossaries": Collection(CreateGlossaryRequest, Glossary, "glossary", None, ("owners", "tags")),
    "glossaryTerms": Collection(CreateGlossaryTermRequest, GlossaryTerm, "glossaryTerm", "glossary", ("owners",)),
    "services/databaseServices": Collection(
        CreateDatabaseServiceRequest, DatabaseService, "databaseService", None, ("owners", "tags")
    ),
    "databases": Collection(CreateDatabaseRequest, Database, "database", "service", ("owners", "tags")),
    "databaseSchemas": Collection(
        CreateDatabaseSchemaRequest, DatabaseSchema, "databaseSchema", "database", ("owners", "tags", "extension")
    ),
    "tables": Collection(CreateTableRequest, Table, "table", "databaseSchema", ("owners", "tags", "extension")),
    "dataQuality/testDefinitions": Collection(CreateTestDefinitionRequest, TestDefinition, "testDefinition", None,
                                              ("owners",)),
    # created through their own paths (PUT …/testSuites/executable; a test case's parent is its entityLink)
    "dataQuality/testSuites": Collection(CreateTestSuiteRequest, TestSuite, "testSuite", None, ("owners", "tests")),
    "dataQuality/testCases": Collection(CreateTestCaseRequest, TestCase, "testCase", None,
                                        ("owners", "testCaseResult", "incidentId")),
}  # fmt: skip
_PARENT_COLLECTION = {
    "classification": "classifications",
    "glossary": "glossaries",
    "service": "services/databaseServices",
    "database": "databases",
    "databaseSchema": "databaseSchemas",
}
_LENGTH_TYPES = ("VARCHAR", "CHAR", "BINARY", "VARBINARY")


@functools.cache
def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _multiple_of(validator: Any, step: Any, instance: Any, schema: Any) -> Any:
    """``multipleOf`` in decimal: jsonschema's float division rejects an entity version of 0.3 (0.3 / 0.1 ≠ 3)."""
    if validator.is_type(instance, "number") and Decimal(str(instance)) % Decimal(str(step)) != 0:
        yield jsonschema.ValidationError(f"{instance} is not a multiple of {step}")


_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"multipleOf": _multiple_of})


def check_answer(model: type[BaseModel], payload: dict[str, Any]) -> None:
    """An answer must parse as the SDK's model and satisfy the JSON Schema the model was generated from."""
    model.model_validate(payload)
    _Validator(_json_schema(model)).validate(payload)


class ApiError(Exception):
    """An error answer: status and OpenMetadata's ``{code, message}`` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Call:
    """One request received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any = None

    @property
    def mutating(self) -> bool:
        """PUT, POST, PATCH or DELETE."""
        return self.method in ("PUT", "POST", "PATCH", "DELETE")


@dataclass
class FakeOpenMetadata:
    """The fake server's state and its HTTP front."""

    token: str = "test-jwt"
    version: str = SERVER_VERSION
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # answers that failed their schema check: a bug in the fake
    entities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # collection → fqn → entity
    types: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → Type
    edges: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (from id, to id) → details
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # test case fqn → results received
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name, category in (("string", "field"), ("table", "entity")):
            self.types[name] = {
                "id": str(uuid.uuid4()), "name": name, "fullyQualifiedName": name, "displayName": name,
                "description": f"OpenMetadata type {name}", "category": category, "customProperties": [],
                "version": 0.1, "updatedAt": _now(), "updatedBy": "admin", "href": f"http://fake/types/{name}",
            }  # fmt: skip
        cls = self.entities.setdefault("classifications", {})
        tags = self.entities.setdefault("tags", {})
        pii = {"id": str(uuid.uuid4()), "name": "PII", "fullyQualifiedName": "PII", "description": "PII",
               "mutuallyExclusive": True, "deleted": False, "version": 0.1, "updatedAt": _now()}  # fmt: skip
        cls["PII"] = pii
        for tag_fqn in BUILT_IN_TAGS:
            name = tag_fqn.split(".", 1)[1]
            tags[tag_fqn] = {
                "id": str(uuid.uuid4()), "name": name, "fullyQualifiedName": tag_fqn, "description": name,
                "classification": _ref(pii, "classification"), "deleted": False, "version": 0.1, "updatedAt": _now(),
            }  # fmt: skip
        definitions = self.entities.setdefault("dataQuality/testDefinitions", {})
        for name, (entity_type, dimension, parameters) in BUILT_IN_TEST_DEFINITIONS.items():
            definitions[name] = {
                "id": str(uuid.uuid4()), "name": name, "fullyQualifiedName": name, "description": name,
                "entityType": entity_type, "testPlatforms": ["OpenMetadata"], "provider": "system",
                "dataQualityDimension": dimension, "deleted": False, "version": 0.1, "updatedAt": _now(),
                "parameterDefinition": [{"name": n, "dataType": t, "required": r} for n, t, r in parameters],
            }  # fmt: skip
            check_answer(TestDefinition, definitions[name])

    # ---- queries for tests
    def mutations(self) -> list[Call]:
        """The mutating calls received, in order."""
        return [c for c in self.calls if c.mutating]

    def entity(self, collection: str, fqn: str) -> dict[str, Any] | None:
        """A stored entity (deleted ones included)."""
        return self.entities.get(collection, {}).get(fqn)

    # ---- HTTP
    def handle(self, method: str, raw_path: str, body: bytes, auth: str | None) -> tuple[int, Any]:
        """Route one request; returns (status, JSON answer)."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        payload = json.loads(body) if body else None
        with self.lock:
            self.calls.append(Call(method, path, query, payload))
            if auth != f"Bearer {self.token}":
                return 401, {"code": 401, "message": "Not authorized; token missing or invalid"}
            if not path.startswith("/api/v1/"):
                return 404, {"code": 404, "message": f"no such path {path}"}
            try:
                return 200, self._route(method, path[len("/api/v1/") :], query, payload)
            except ApiError as exc:
                return exc.status, {"code": exc.status, "message": str(exc)}
            except Exception as exc:  # noqa: BLE001 - a schema failure of our own answer: recorded, test fails
                self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                return 500, {"code": 500, "message": str(exc)}

    def _route(self, method: str, path: str, query: dict[str, list[str]], payload: Any) -> Any:
        if method == "GET" and path == "system/version":
            answer = {"version": self.version, "revision": "fake", "timestamp": _now()}
            check_answer(OpenMetadataServerVersion, answer)
            return answer
        if path.startswith("metadata/types/"):
            return self._types(method, path[len("metadata/types/") :], query, payload)
        if method == "PUT" and path in ("dataQuality/testSuites/executable", "dataQuality/testSuites/basic"):
            return self._put_test_suite(payload)
        if method == "PUT" and path == "dataQuality/testCases":
            return self._put_test_case(payload)
        if method == "POST" and (match := re.fullmatch(r"dataQuality/testCases/testCaseResults/(.+)", path)):
            return self._add_test_case_result(match.group(1), payload)
        if path == "lineage" and method == "PUT":
            return self._add_lineage(payload)
        if match := re.fullmatch(r"lineage/table/name/(.+)", path):
            return self._lineage(match.group(1), query)
        for name, coll in COLLECTIONS.items():
            if path == name and method == "PUT":
                return self._put(name, coll, payload)
            if path == name and method == "GET":
                return self._list(name, coll, query)
            if path.startswith(name + "/name/") and method == "GET":
                return self._get(name, coll, path[len(name + "/name/") :], query)
            if path.startswith(name + "/") and method == "DELETE":
                return self._delete(name, coll, path[len(name) + 1 :], query)
        raise ApiError(404, f"the fake does not serve {method} /api/v1/{path}")

    # ---- entities
    def _put(self, name: str, coll: Collection, payload: dict[str, Any]) -> dict[str, Any]:
        request = coll.request.model_validate(payload)
        data = json.loads(request.model_dump_json(by_alias=True, exclude_none=True))
        store = self.entities.setdefault(name, {})
        parent = None
        if coll.parent_field:
            parent_fqn = data[coll.parent_field]
            parent = self.entities.get(_PARENT_COLLECTION[coll.parent_field], {}).get(parent_fqn)
            if parent is None or parent.get("deleted"):
                raise ApiError(404, f"{coll.parent_field} instance for {parent_fqn} not found")
        fqn = f"{parent['fullyQualifiedName']}.{quote_name(data['name'])}" if parent else quote_name(data["name"])
        self._check_references(coll, data, fqn)
        entity = self._stored(store.get(fqn), {k: v for k, v in data.items() if k != coll.parent_field}, fqn, name)
        if parent is not None and coll.parent_field:
            entity[coll.parent_field] = _ref(parent, COLLECTIONS[_PARENT_COLLECTION[coll.parent_field]].ref_type)
            self._inherit(entity, parent)
        if name == "tables":
            for column in entity["columns"]:
                column["fullyQualifiedName"] = f"{fqn}.{quote_name(column['name'])}"
        if "tags" in entity:
            entity["tags"] = [self._tag_label(t) for t in entity["tags"]]
        check_answer(coll.entity, entity)
        store[fqn] = entity
        return entity

    def _inherit(self, entity: dict[str, Any], parent: dict[str, Any]) -> None:
        """Schemas and tables carry their service and database too, as the server fills them."""
        for key in ("service", "database"):
            if key in parent and key not in entity:
                entity[key] = parent[key]
        if "serviceType" in parent:
            entity["serviceType"] = parent["serviceType"]

    def _check_references(self, coll: Collection, data: dict[str, Any], fqn: str) -> None:
        labels = list(data.get("tags") or [])
        for column in data.get("columns") or []:
            labels += column.get("tags") or []
            if column["dataType"] in _LENGTH_TYPES and column.get("dataLength") is None:
                raise ApiError(400, f"For column data types char, varchar, binary, varbinary dataLength must not be"
                                    f" null ({fqn}.{column['name']})")  # fmt: skip
        for label in labels:
            if label["tagFQN"] not in self.entities.get("tags", {}):
                raise ApiError(404, f"tag instance for {label['tagFQN']} not found")
        for owner in data.get("owners") or []:
            self._owner(owner["id"])
        known = {p["name"] for p in self.types["table"]["customProperties"]}
        for key in data.get("extension") or {}:
            if coll.ref_type != "table" or key not in known:
                raise ApiError(400, f"Unknown custom field {key}")

    def _owner(self, team_id: str) -> dict[str, Any]:
        for team in self.entities.get("teams", {}).values():
            if team["id"] == team_id:
                return _ref(team, "team")
        raise ApiError(404, f"team instance for {team_id} not found")

    def _tag_label(self, label: dict[str, Any]) -> dict[str, Any]:
        tag = self.entities["tags"][label["tagFQN"]]
        return {**label, "name": tag["name"], "description": tag["description"]}

    def _visible(self, entity: dict[str, Any], coll: Collection, fields: set[str]) -> dict[str, Any]:
        return {k: v for k, v in entity.items() if k not in coll.lazy_fields or k in fields}

    def _get(self, name: str, coll: Collection, fqn: str, query: dict[str, list[str]]) -> dict[str, Any]:
        entity = self.entities.get(name, {}).get(fqn)
        include = query.get("include", ["non-deleted"])[0]
        if entity is None or (entity.get("deleted") and include == "non-deleted"):
            raise ApiError(404, f"{coll.ref_type} instance for {fqn} not found")
        answer = self._visible(entity, coll, _fields(query))
        check_answer(coll.entity, answer)
        return answer

    def _list(self, name: str, coll: Collection, query: dict[str, list[str]]) -> dict[str, Any]:
        wanted = {k: v[0] for k, v in query.items() if k in ("databaseSchema", "database", "service")}
        found = []
        for entity in self.entities.get(name, {}).values():
            if entity.get("deleted"):
                continue
            if any((entity.get(k) or {}).get("fullyQualifiedName") != v for k, v in wanted.items()):
                continue
            answer = self._visible(entity, coll, _fields(query))
            check_answer(coll.entity, answer)
            found.append(answer)
        return {"data": found, "paging": {"total": len(found)}}

    def _delete(self, name: str, coll: Collection, entity_id: str, query: dict[str, list[str]]) -> dict[str, Any]:
        entity = next((e for e in self.entities.get(name, {}).values() if e["id"] == entity_id), None)
        if entity is None:
            raise ApiError(404, f"{coll.ref_type} instance for {entity_id} not found")
        if query.get("hardDelete", ["false"])[0] != "false":
            raise ApiError(400, "the fake refuses hard deletes: the sync must soft-delete")
        children = self._children(entity["fullyQualifiedName"])
        if children and query.get("recursive", ["false"])[0] != "true":
            raise ApiError(400, f"Entity {entity['fullyQualifiedName']} is not empty: delete it with recursive=true")
        for child_coll, child in [(name, entity), *children]:
            child.update(deleted=True, version=round(float(child["version"]) + 0.1, 1), updatedAt=_now())
            check_answer(COLLECTIONS[child_coll].entity, child)
        return entity

    def _children(self, fqn: str) -> list[tuple[str, dict[str, Any]]]:
        """Entities (not deleted) whose parent, at any depth, is ``fqn``.

        A table contains its basic test suite and test cases, as on the server: deleting a table that has them
        needs recursive=true.
        """
        return [
            (name, e)
            for name, coll in COLLECTIONS.items()
            for e in self.entities.get(name, {}).values()
            if (coll.parent_field or name in ("dataQuality/testSuites", "dataQuality/testCases"))
            and not e.get("deleted")
            and e["fullyQualifiedName"].startswith(fqn + ".")
        ]

    # ---- data quality
    def _put_test_suite(self, payload: Any) -> dict[str, Any]:
        """A table's basic test suite: named ``<table FQN>.testSuite``, referring to its table."""
        request = CreateTestSuiteRequest.model_validate(payload)
        data = json.loads(request.model_dump_json(by_alias=True, exclude_none=True))
        table_fqn = data.get("basicEntityReference")
        table = self.entities.get("tables", {}).get(table_fqn or "")
        if table is None or table.get("deleted"):
            raise ApiError(404, f"table instance for {table_fqn} not found")
        fqn = data["name"] = f"{table_fqn}.testSuite"  # the server names a basic suite after its table
        store = self.entities.setdefault("dataQuality/testSuites", {})
        entity = self._stored(store.get(fqn), data, fqn, "dataQuality/testSuites")
        entity.update(basic=True, basicEntityReference=_ref(table, "table"))
        check_answer(TestSuite, entity)
        store[fqn] = entity
        return entity

    def _put_test_case(self, payload: Any) -> dict[str, Any]:
        """A test case on a table or column (its entityLink), of an existing definition of that level."""
        request = CreateTestCaseRequest.model_validate(payload)
        data = json.loads(request.model_dump_json(by_alias=True, exclude_none=True))
        match = ENTITY_LINK.fullmatch(data["entityLink"])
        if match is None:
            raise ApiError(400, f"the fake serves table entity links only: {data['entityLink']}")
        table_fqn, column = match.groups()
        table = self.entities.get("tables", {}).get(table_fqn)
        if table is None or table.get("deleted"):
            raise ApiError(404, f"table instance for {table_fqn} not found")
        if column is not None and column not in {c["name"] for c in table["columns"]}:
            raise ApiError(400, f"Invalid column name {column} in {table_fqn}")
        definition = self.entities["dataQuality/testDefinitions"].get(data["testDefinition"])
        if definition is None or definition.get("deleted"):
            raise ApiError(404, f"testDefinition instance for {data['testDefinition']} not found")
        if definition["entityType"] != ("COLUMN" if column is not None else "TABLE"):
            raise ApiError(400, f"{definition['name']} is a {definition['entityType']} test: wrong entity link")
        self._check_parameters(definition, data.get("parameterValues"))
        suite = self.entities.get("dataQuality/testSuites", {}).get(f"{table_fqn}.testSuite")
        if suite is None:
            raise ApiError(400, f"{table_fqn} has no basic test suite")
        parent = f"{table_fqn}.{quote_name(column)}" if column is not None else table_fqn
        fqn = f"{parent}.{quote_name(data['name'])}"
        store = self.entities.setdefault("dataQuality/testCases", {})
        entity = self._stored(store.get(fqn), data, fqn, "dataQuality/testCases")
        entity.update(testDefinition=_ref(definition, "testDefinition"), testSuite=_ref(suite, "testSuite"),
                      entityFQN=parent)  # fmt: skip
        check_answer(TestCase, entity)
        store[fqn] = entity
        return entity

    @staticmethod
    def _check_parameters(definition: dict[str, Any], values: list[dict[str, Any]] | None) -> None:
        """As the server: names the definition knows, required ones given (when any are sent)."""
        if values is None:
            return
        known = {p["name"]: p for p in definition.get("parameterDefinition") or []}
        given = {v.get("name"): v.get("value") for v in values}
        for name in given:
            if name not in known:
                raise ApiError(400, f"Parameter Values doesn't match Test Definition Parameters: {name}")
        for name, parameter in known.items():
            if parameter.get("required") and given.get(name) is None:
                raise ApiError(400, f"Required parameter {name} is not passed in parameterValues")

    def _stored(self, current: dict[str, Any] | None, data: dict[str, Any], fqn: str, name: str) -> dict[str, Any]:
        """The entity after a PUT of ``data``: the current one updated (version up) or a new one, owners expanded."""
        entity = dict(current) if current else {"id": str(uuid.uuid4()), "version": 0.1}
        if current:
            entity["version"] = round(float(current["version"]) + 0.1, 1)
        entity.update(data)
        entity.update(fullyQualifiedName=fqn, deleted=False, updatedAt=_now(), updatedBy="ingestion-bot",
                      href=f"http://127.0.0.1/api/v1/{name}/{entity['id']}")  # fmt: skip
        if "owners" in entity:
            entity["owners"] = [self._owner(o["id"]) for o in entity["owners"]]
        return entity

    def _add_test_case_result(self, fqn: str, payload: Any) -> dict[str, Any]:
        """What the SDK sends (a TestCaseResult) must be what the server reads (a CreateTestCaseResult)."""
        TestCaseResult.model_validate(payload)
        sent = {k: v for k, v in (payload or {}).items() if v is not None}
        request = CreateTestCaseResult.model_validate(sent)
        case = self.entities.get("dataQuality/testCases", {}).get(fqn)
        if case is None or case.get("deleted"):
            raise ApiError(404, f"testCase instance for {fqn} not found")
        result = json.loads(request.model_dump_json(exclude_none=True))
        result.update(id=str(uuid.uuid4()), testCaseFQN=fqn, testCase=_ref(case, "testCase"),
                      testDefinition=case["testDefinition"])  # fmt: skip
        check_answer(TestCaseResult, result)
        self.results.setdefault(fqn, []).append(result)
        latest = case.get("testCaseResult")
        if latest is None or latest["timestamp"] <= result["timestamp"]:
            case.update(testCaseResult=result, testCaseStatus=result["testCaseStatus"])
            check_answer(TestCase, case)
        return result

    # ---- custom properties
    def _types(self, method: str, rest: str, query: dict[str, list[str]], payload: Any) -> dict[str, Any]:
        if method == "GET" and rest.startswith("name/"):
            found = self.types.get(rest[len("name/") :])
            if found is None:
                raise ApiError(404, f"type instance for {rest} not found")
            answer = found if "customProperties" in _fields(query) else {
                k: v for k, v in found.items() if k != "customProperties"
            }  # fmt: skip
            check_answer(Type, answer)
            return answer
        if method == "PUT":
            target = next((t for t in self.types.values() if t["id"] == rest), None)
            if target is None:
                raise ApiError(404, f"type instance for {rest} not found")
            request = CreateCustomPropertyRequest.model_validate(payload)
            prop_type = next(
                (t for t in self.types.values() if t["id"] == str(request.propertyType.root.id.root)), None
            )
            if prop_type is None:
                raise ApiError(404, f"property type {request.propertyType.root.id.root} not found")
            prop = json.loads(request.model_dump_json(exclude_none=True))
            prop["propertyType"] = _ref(prop_type, "type")
            target["customProperties"] = [p for p in target["customProperties"] if p["name"] != prop["name"]] + [prop]
            target["version"] = round(float(target["version"]) + 0.1, 1)
            check_answer(Type, target)
            return target
        raise ApiError(404, f"the fake does not serve {method} types/{rest}")

    # ---- lineage
    def _table_by_id(self, table_id: str) -> dict[str, Any]:
        for table in self.entities.get("tables", {}).values():
            if table["id"] == table_id and not table.get("deleted"):
                return table
        raise ApiError(404, f"table instance for {table_id} not found")

    def _add_lineage(self, payload: Any) -> None:
        request = AddLineageRequest.model_validate(payload)
        edge = request.edge
        source = self._table_by_id(str(edge.fromEntity.id.root))
        target = self._table_by_id(str(edge.toEntity.id.root))
        details = json.loads(edge.lineageDetails.model_dump_json(exclude_none=True)) if edge.lineageDetails else {}
        columns_of = {t["id"]: {c["fullyQualifiedName"] for c in t["columns"]} for t in (source, target)}
        for pair in details.get("columnsLineage") or []:
            for column in pair.get("fromColumns") or []:
                if column not in columns_of[source["id"]]:
                    raise ApiError(400, f"column {column} not in {source['fullyQualifiedName']}")
            if pair.get("toColumn") not in columns_of[target["id"]]:
                raise ApiError(400, f"column {pair.get('toColumn')} not in {target['fullyQualifiedName']}")
        self.edges[(source["id"], target["id"])] = details
        return None

    def _lineage(self, fqn: str, query: dict[str, list[str]]) -> dict[str, Any]:
        table = self.entities.get("tables", {}).get(fqn)
        if table is None or table.get("deleted"):
            raise ApiError(404, f"table instance for {fqn} not found")
        up = int(query.get("upstreamDepth", ["1"])[0])
        edges = [(f, d) for (f, t), d in self.edges.items() if t == table["id"]] if up > 0 else []
        answer = {
            "entity": _ref(table, "table"),
            "nodes": [_ref(self._table_by_id(f), "table") for f, _ in edges],
            "upstreamEdges": [{"fromEntity": f, "toEntity": table["id"], "lineageDetails": d} for f, d in edges],
            "downstreamEdges": [],
        }
        check_answer(EntityLineage, answer)
        return answer


def _fields(query: dict[str, list[str]]) -> set[str]:
    return {f for v in query.get("fields", []) for f in v.split(",") if f}


def _ref(entity: dict[str, Any], ref_type: str) -> dict[str, Any]:
    return {"id": entity["id"], "type": ref_type, "name": entity["name"],
            "fullyQualifiedName": entity["fullyQualifiedName"], "deleted": bool(entity.get("deleted"))}  # fmt: skip


def _now() -> int:
    return int(time.time() * 1000)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # a stuck client cannot hold the thread

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"code": 413, "message": "body too large"})
            return
        body = self.rfile.read(length) if length else b""
        status, answer = self.server.fake.handle(self.command, self.path, body, self.headers.get("Authorization"))
        self._answer(status, answer)

    def _answer(self, status: int, answer: Any) -> None:
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8") if answer is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeOpenMetadata) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class RunningFake:
    """The fake serving on 127.0.0.1:<free port> until ``stop``."""

    def __init__(self, fake: FakeOpenMetadata | None = None) -> None:
        self.fake = fake or FakeOpenMetadata()
        self._server = _Server(self.fake)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:<port>/api``: the hostPort the SDK takes."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/api"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
