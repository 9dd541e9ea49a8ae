"""The JSON Schemas of the Reconciliation Service API 0.2, as checks that the service's tests share.

The schemas are published with the specification, reconciliation-api/specs, folder
``0.2/schemas/`` (https://reconciliation-api.github.io/specs/0.2/); they belong to the W3C
Entity Reconciliation Community Group and are not copied here. Each assertion names the
schema file and the field it comes from. The test bench (reconciliation-api/testbench,
branch ``testbench-0.2``) validates with the same schema files (its ``src/JsonSchemas.js``
is generated from them, and its 0.2 files are the same as the specification's), so these
checks stand for the bench's validation.
"""

from __future__ import annotations

import json
import re


def check_type(t) -> None:
    # type.json: object, required ["id", "name"]; id, name, description strings; broader an array of type.json
    assert isinstance(t, dict)
    assert isinstance(t["id"], str) and t["id"]
    assert isinstance(t["name"], str) and t["name"]
    for key in ("description",):
        assert key not in t or isinstance(t[key], str)
    for b in t.get("broader", []):
        check_type(b)


def check_service_definition(d) -> None:
    # manifest.json #/properties/suggest/definitions/service_definition: service_url, service_path,
    # flyout_service_url strings; flyout_service_path a string matching .*\$\{id\}.*
    assert isinstance(d, dict)
    for key in ("service_url", "service_path", "flyout_service_url"):
        assert key not in d or isinstance(d[key], str)
    assert "flyout_service_path" not in d or re.match(r".*\$\{id\}.*", d["flyout_service_path"])


def check_manifest(m) -> None:
    # manifest.json: required ["versions", "name", "identifierSpace", "schemaSpace"]
    assert isinstance(m, dict)
    for key in ("versions", "name", "identifierSpace", "schemaSpace"):
        assert key in m, key
    # versions: array of strings that contains "0.2"
    assert isinstance(m["versions"], list) and all(isinstance(v, str) for v in m["versions"])
    assert "0.2" in m["versions"]
    # name, identifierSpace, schemaSpace, documentation, serviceVersion, logo: strings
    for key in ("name", "identifierSpace", "schemaSpace", "documentation", "serviceVersion", "logo"):
        assert key not in m or isinstance(m[key], str), key
    # view, feature_view: object, required ["url"], url a string matching .*\{\{id\}\}.*
    for key in ("view", "feature_view"):
        if key in m:
            assert re.match(r".*\{\{id\}\}.*", m[key]["url"])
    # defaultTypes: array of type.json, uniqueItems
    if "defaultTypes" in m:
        for t in m["defaultTypes"]:
            check_type(t)
        assert len({json.dumps(t, sort_keys=True) for t in m["defaultTypes"]}) == len(m["defaultTypes"])
    # suggest: entity, property, type each a service_definition
    for kind in ("entity", "property", "type"):
        if kind in m.get("suggest", {}):
            check_service_definition(m["suggest"][kind])
    # preview: required ["url", "width", "height"]; url matches .*\{\{id\}\}.*; width, height integers
    if "preview" in m:
        p = m["preview"]
        assert re.match(r".*\{\{id\}\}.*", p["url"])
        assert isinstance(p["width"], int) and not isinstance(p["width"], bool)
        assert isinstance(p["height"], int) and not isinstance(p["height"], bool)
    # extend: propose_properties an object of service_url, service_path strings; property_settings an
    # array, each oneOf number / text / checkbox / select, required ["type", "label", "name"] (+ choices)
    if "extend" in m:
        proposals = m["extend"].get("propose_properties", {})
        assert isinstance(proposals, dict)
        for key in ("service_url", "service_path"):
            assert key not in proposals or isinstance(proposals[key], str)
        for setting in m["extend"].get("property_settings", []):
            assert setting["type"] in ("number", "text", "checkbox", "select")
            assert isinstance(setting["label"], str) and isinstance(setting["name"], str)
            assert setting["type"] != "select" or all({"value", "name"} <= set(c) for c in setting["choices"])
    # (spec § Service Manifest) batchSize: the most queries in one batch
    assert "batchSize" not in m or (isinstance(m["batchSize"], int) and m["batchSize"] > 0)


def check_result_batch(body, queries) -> None:
    # reconciliation-result-batch.json: object; every property ("^.*$") an object, required ["result"]
    assert isinstance(body, dict) and set(body) == set(queries)
    for value in body.values():
        assert isinstance(value, dict) and isinstance(value["result"], list)
        for c in value["result"]:
            # items: object, required ["id", "name", "score"]
            assert isinstance(c["id"], str)
            assert isinstance(c["name"], str)
            assert isinstance(c["score"], (int, float)) and not isinstance(c["score"], bool)
            # description: string; match: boolean
            assert "description" not in c or isinstance(c["description"], str)
            assert "match" not in c or isinstance(c["match"], bool)
            # features: array of {id: string, value: boolean or number}
            for f in c.get("features", []):
                assert isinstance(f["id"], str)
                assert isinstance(f["value"], (bool, int, float))
            # type: array of {id (required), name} objects or strings
            for t in c.get("type", []):
                assert isinstance(t, str) or (isinstance(t["id"], str) and isinstance(t.get("name", ""), str))
        # spec § Reconciliation Query Responses: SHOULD be sorted by decreasing score
        scores = [c["score"] for c in value["result"]]
        assert scores == sorted(scores, reverse=True)


def check_suggest(body, kind: str) -> None:
    # suggest-{entities,properties,types}-response.json: object, required ["result"]
    assert isinstance(body, dict) and isinstance(body["result"], list)
    for item in body["result"]:
        if kind == "type":
            check_type(item)  # items: type.json
            continue
        # items: required ["id", "name"]; description a string
        assert isinstance(item["id"], str) and isinstance(item["name"], str)
        assert "description" not in item or isinstance(item["description"], str)
        # suggest-entities-response.json: notable an array of {id (required), name} objects or strings
        for t in item.get("notable", []):
            assert isinstance(t, str) or isinstance(t["id"], str)


def check_property_value(v) -> None:
    # data-extension-response.json, rows' values: oneOf {} | {id, name (required), description}
    # | {str (required)} | {float: number} | {int: integer} | {date: ISO date and time}, none with other keys
    assert isinstance(v, dict)
    if not v:
        return
    if "id" in v:
        assert set(v) <= {"id", "name", "description"} and isinstance(v["id"], str) and isinstance(v["name"], str)
        assert "description" not in v or isinstance(v["description"], str)
        return
    assert len(v) == 1, v
    key, value = next(iter(v.items()))
    if key == "str":
        assert isinstance(value, str)
    elif key == "float":
        assert isinstance(value, (int, float)) and not isinstance(value, bool)
    elif key == "int":
        assert isinstance(value, int) and not isinstance(value, bool)
    else:
        assert key == "date" and re.match(r"^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$", value), v


def check_extend_response(body, query) -> None:
    # data-extension-response.json: object, required ["rows", "meta"]
    assert isinstance(body, dict) and isinstance(body["meta"], list) and isinstance(body["rows"], dict)
    # meta: items required ["id", "name"]; type an object, required ["id"]; service a URI (^https?://)
    for column in body["meta"]:
        assert isinstance(column["id"], str) and isinstance(column["name"], str)
        assert "type" not in column or isinstance(column["type"]["id"], str)
        assert "service" not in column or re.match(r"^https?://", column["service"])
    # (spec § Data Extension Responses) the properties asked, and a row for each id asked
    assert [c["id"] for c in body["meta"]] == list(dict.fromkeys(p["id"] for p in query["properties"]))
    assert set(body["rows"]) == set(query["ids"])
    # rows: for each id, for each property, an array of property values
    for row in body["rows"].values():
        assert set(row) == {c["id"] for c in body["meta"]}
        for values in row.values():
            assert isinstance(values, list)
            for v in values:
                check_property_value(v)


def check_property_proposal(body) -> None:
    # data-extension-property-proposal.json: object, required ["properties"]; type a string, limit a number;
    # properties: items required ["id", "name"], description a string
    assert isinstance(body, dict) and isinstance(body["properties"], list)
    assert "type" not in body or isinstance(body["type"], str)
    assert "limit" not in body or (isinstance(body["limit"], (int, float)) and not isinstance(body["limit"], bool))
    for p in body["properties"]:
        assert isinstance(p["id"], str) and isinstance(p["name"], str)
        assert "description" not in p or isinstance(p["description"], str)
