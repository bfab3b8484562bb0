"""The committed schema file: it covers exactly the types the checked code uses, and it is read right."""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
import pytest

from scripts.schema_check import PROVIDER_VERSION, SCHEMA_FILE
from scripts.schema_check.extract import Bindings, ExtractError, main_class
from scripts.schema_check.provider import UNKNOWN, plan_block, read_block
from scripts.schema_check.regenerate import OVERLAY
from scripts.schema_check.usage import types_in, types_used

SCHEMA = json.loads(SCHEMA_FILE.read_text())


def test_the_schema_file_has_exactly_the_types_the_code_uses() -> None:
    """A module or root that starts using a type the file lacks fails here: regenerate the file."""
    used = types_used()
    assert sorted(SCHEMA["resource_schemas"]) == used["resource"], "run: python -m scripts.schema_check --regenerate"
    assert sorted(SCHEMA["data_source_schemas"]) == used["data"], "run: python -m scripts.schema_check --regenerate"


def test_a_new_type_in_a_module_is_seen(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\ndata "aws_region" "here" {}\n')
    assert types_in(tmp_path) == {"resource": {"aws_sqs_queue"}, "data": {"aws_region"}}


def test_the_file_says_its_version_and_carries_the_overlay() -> None:
    assert SCHEMA["provider_version"] == PROVIDER_VERSION == "6.69.1"
    assert SCHEMA["rebuilt_from"] == "cdktn-provider-aws==25.8.1"
    for kind, type_name, attribute, flag in OVERLAY:
        table = SCHEMA["resource_schemas" if kind == "resource" else "data_source_schemas"]
        assert table[type_name]["block"]["attributes"][attribute][flag] is True


def test_what_the_checks_rely_on_is_in_the_file() -> None:
    function = SCHEMA["resource_schemas"]["aws_lambda_function"]["block"]
    assert function["attributes"]["architectures"]["type"] == ["list", "string"]
    assert function["block_types"]["environment"] == {
        "nesting_mode": "list",
        "max_items": 1,
        "block": {"attributes": {"variables": {"optional": True, "type": ["map", "string"]}}},
    }
    parameter = SCHEMA["resource_schemas"]["aws_ssm_parameter"]["block"]["attributes"]
    assert parameter["value_wo"] == {"optional": True, "sensitive": True, "type": "string", "write_only": True}
    assert parameter["type"]["required"] is True


BINDINGS = """
class ThingOutputReference extends cdktn.ComplexObject {
    // size - computed: false, optional: true, required: false
    _size;
    get size() {
        return this.getNumberAttribute('size');
    }
}
class Thing extends cdktn.TerraformResource {
    // name - computed: false, optional: false, required: true
    _name;
    get name() {
        return this.getStringAttribute('name');
    }
    // ids - computed: true, optional: false, required: false
    get ids() {
        return cdktn.Fn.tolist(this.getListAttribute('ids'));
    }
    // secret_wo - computed: false, optional: true, required: false
    _secretWo;
    // part - computed: false, optional: true, required: false
    _part = new ThingOutputReference(this, "part");
    synthesizeHclAttributes() {
        const attrs = {
            name: {
                value: cdktn.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            secret_wo: {
                value: this.markWriteOnlyAttribute(cdktn.stringToHclTerraform(this._secretWo)),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            part: {
                value: thingToHclTerraform(this._part.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "ThingList",
            },
        };
    }
}
function thingToHclTerraform(struct) {
    const attrs = {
        size: {
            value: cdktn.numberToHclTerraform(struct.size),
            isBlock: false,
            type: "simple",
            storageClassType: "number",
        },
    };
}
"""


def test_extract_reads_attributes_blocks_computed_and_write_only() -> None:
    schema = Bindings(BINDINGS, "thing/index.js").top(main_class(BINDINGS))
    block = schema["block"]
    assert block["attributes"] == {
        "ids": {"computed": True, "type": ["set", "string"]},
        "name": {"required": True, "type": "string"},
        "secret_wo": {"optional": True, "type": "string", "write_only": True},
    }
    assert block["block_types"]["part"] == {
        "nesting_mode": "list",
        "max_items": 1,
        "block": {"attributes": {"size": {"optional": True, "type": "number"}}},
    }


def test_extract_refuses_a_form_it_does_not_know() -> None:
    odd = BINDINGS.replace(
        'storageClassType: "string",\n            },\n            secret_wo',
        'storageClassType: "tuple",\n            },\n            secret_wo',
    )
    with pytest.raises(ExtractError, match="unknown type simple/tuple"):
        Bindings(odd, "thing/index.js").top("Thing")


def test_plan_marks_null_computed_unknown_and_write_only_null() -> None:
    block = SCHEMA["resource_schemas"]["aws_ssm_parameter"]["block"]
    proposed = {name: None for name in block["attributes"]}
    proposed.update({"name": "/dev/demo/secrets/db", "type": "SecureString", "value_wo": "x", "value_wo_version": 1})
    planned = plan_block(block, proposed)
    assert planned["arn"] == UNKNOWN and planned["version"] == UNKNOWN and planned["tags_all"] == UNKNOWN
    assert planned["value_wo"] is None
    assert planned["name"] == "/dev/demo/secrets/db" and planned["description"] is None
    assert msgpack.unpackb(msgpack.packb(planned), ext_hook=msgpack.ExtType, strict_map_key=False)["arn"] == UNKNOWN


def test_plan_walks_nested_blocks() -> None:
    block = SCHEMA["resource_schemas"]["aws_lambda_function"]["block"]
    proposed = {name: None for name in block["attributes"]}
    proposed["logging_config"] = [
        {"log_format": "JSON", "log_group": None, "application_log_level": None, "system_log_level": None}
    ]
    planned = plan_block(block, proposed)
    assert planned["logging_config"][0]["log_format"] == "JSON"
    assert planned["logging_config"][0]["log_group"] == UNKNOWN  # optional and computed


def test_data_sources_get_labelled_placeholders() -> None:
    block = SCHEMA["data_source_schemas"]["aws_caller_identity"]["block"]
    state = read_block(block, {name: None for name in block["attributes"]})
    assert state["arn"] == "placeholder-arn"
    assert state["account_id"] == "000000000000"  # shaped: the stack builds ARNs from it and validates them
