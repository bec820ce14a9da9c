"""Run the AWS CLI commands of a fix through boto3, as the AWS CLI would: ``aws <service> <operation> --arg value``
with each argument checked against botocore's model of the operation (an unknown operation or argument fails the
test), JSON and shorthand (``Key=Value``) values for structures and lists, flags for booleans, and the
``NAME=$(aws … --query K --output text)`` / ``"$NAME"`` forms a fix uses to pass an id along.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import botocore.session
from botocore import xform_name

_ASSIGN = re.compile(r"^(\w+)=\$\((.*)\)$", re.DOTALL)
_SERVICES = {"s3api": "s3"}
_botocore = botocore.session.get_session()


def run_commands(commands: list[str], client: Any) -> dict[str, str]:
    """Run each command with ``client(service, region)`` making boto3 clients; returns the variables set."""
    variables: dict[str, str] = {}
    for command in commands:
        assigned = _ASSIGN.match(command)
        if assigned:
            variables[assigned.group(1)] = str(run_command(assigned.group(2), client, variables))
        else:
            run_command(command, client, variables)
    return variables


def run_command(command: str, client: Any, variables: dict[str, str] | None = None) -> Any:
    """Run one ``aws …`` command; with ``--query K`` the reply's ``K``."""
    words = [_substitute(word, variables or {}) for word in shlex.split(command)]
    assert words[:1] == ["aws"], command
    service = _SERVICES.get(words[1], words[1])
    model = _botocore.get_service_model(service)
    operations = {xform_name(name, "-"): name for name in model.operation_names}
    assert words[2] in operations, f"{words[1]} has no operation {words[2]}"
    operation = model.operation_model(operations[words[2]])
    members = {xform_name(name, "-"): (name, shape) for name, shape in operation.input_shape.members.items()}
    params: dict[str, Any] = {}
    region = "us-east-1"
    query: str | None = None
    position = 3
    while position < len(words):
        option = words[position]
        assert option.startswith("--"), f"{command}: {option!r} is not an option"
        name = option[2:]
        value = words[position + 1] if position + 1 < len(words) and not words[position + 1].startswith("--") else None
        position += 1 if value is None else 2
        if name == "region":
            region = str(value)
            continue
        if name == "query":
            query = value
            continue
        if name == "output":
            continue
        assert name in members, f"{words[1]} {words[2]} has no argument --{name}"
        member, shape = members[name]
        params[member] = _value(shape, value)
    reply = getattr(client(service, region), xform_name(operation.name))(**params)
    return reply[query] if query else reply


def _substitute(word: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        word = word.replace(f"${name}", value)
    return word


def _value(shape: Any, value: str | None) -> Any:
    kind = shape.type_name
    if kind == "boolean":
        return True if value is None else value == "true"
    assert value is not None
    if kind in ("structure", "list", "map"):
        if value.lstrip().startswith(("{", "[")):
            return json.loads(value)
        return dict(item.split("=", 1) for item in value.split(","))
    if kind in ("integer", "long"):
        return int(value)
    return value
