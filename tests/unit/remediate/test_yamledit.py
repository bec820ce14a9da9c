"""JSON patches made to manifest text: only the touched lines change, comments, quoting, key order and the other
documents stay; flow mappings and JSON keep their syntax; what cannot be placed falls back or says so."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from jackwatch.remediate.errors import FixError
from jackwatch.remediate.pointer import apply_patch
from jackwatch.remediate.yamledit import Unplaceable, document_spans, edit_document, roundtrip_edit

POD = """\
# a pod
apiVersion: v1
kind: Pod
metadata:
  name: "web"   # quoted on purpose
spec:
  hostPID: true  # why?
  containers:
  - name: app
    image: 'nginx:1.25'
    securityContext:
      privileged: true
      # keep this comment
    ports:
    - hostPort: 8080
      containerPort: 80
"""


def edit(text: str, *operations: dict[str, Any]) -> str:
    edited = edit_document(text, (), list(operations))
    assert yaml.safe_load(edited) == apply_patch(yaml.safe_load(text), list(operations))
    return edited


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    old, new = before.splitlines(), after.splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


def test_a_value_is_rewritten_in_place_with_its_comment() -> None:
    after = edit(POD, {"op": "add", "path": "/spec/hostPID", "value": False})
    assert changed_lines(POD, after) == (["  hostPID: true  # why?"], ["  hostPID: false # why?"])


def test_a_member_is_added_at_the_end_of_its_mapping_at_its_indentation() -> None:
    after = edit(POD, {"op": "add", "path": "/spec/containers/0/securityContext/runAsNonRoot", "value": True})
    assert changed_lines(POD, after) == ([], ["      runAsNonRoot: true"])
    assert after.index("runAsNonRoot") < after.index("# keep this comment")
    assert 'name: "web"   # quoted on purpose' in after and "image: 'nginx:1.25'" in after


def test_a_new_block_uses_the_documents_indentation() -> None:
    after = edit(
        POD,
        {"op": "add", "path": "/spec/containers/0/resources", "value": {"limits": {"cpu": "500m", "memory": "1Gi"}}},
        {"op": "add", "path": "/spec/containers/0/securityContext/capabilities", "value": {"drop": ["ALL"]}},
    )
    assert "    resources:\n      limits:\n        cpu: 500m\n        memory: 1Gi\n" in after
    assert "      capabilities:\n        drop:\n        - ALL\n" in after  # lists not indented, as in the file


def test_removing_the_first_member_of_a_list_item_moves_the_next_up() -> None:
    after = edit(POD, {"op": "remove", "path": "/spec/containers/0/ports/0/hostPort"})
    assert "    - containerPort: 80\n" in after and "hostPort" not in after


def test_removing_the_only_member_leaves_an_empty_mapping() -> None:
    text = "spec:\n  securityContext:\n    capabilities:\n      add: [SYS_ADMIN]  # drop it\n  other: 1\n"
    after = edit(text, {"op": "remove", "path": "/spec/securityContext/capabilities/add"})
    assert after == "spec:\n  securityContext:\n    capabilities: {}  # drop it\n  other: 1\n"


def test_a_member_is_removed_with_its_lines() -> None:
    text = "a:\n  b: 1\n  c:\n    - x\n    - y\n  d: 2  # d\n"
    assert edit(text, {"op": "remove", "path": "/a/c"}) == "a:\n  b: 1\n  d: 2  # d\n"


def test_an_empty_value_gets_the_new_one() -> None:
    text = "spec:\n  securityContext:\n  hostPID: true\n"
    after = edit(text, {"op": "add", "path": "/spec/securityContext", "value": {"privileged": False}})
    assert after == "spec:\n  securityContext:\n    privileged: false\n  hostPID: true\n"


def test_a_block_is_replaced_at_its_own_indentation() -> None:
    text = "ctx:\n    seccompProfile:\n        type: Unconfined\n    user: 1\n"
    after = edit(text, {"op": "add", "path": "/ctx/seccompProfile", "value": {"type": "RuntimeDefault"}})
    assert after == "ctx:\n    seccompProfile:\n        type: RuntimeDefault\n    user: 1\n"


@pytest.mark.parametrize(
    ("text", "operation", "expected"),
    [
        ('{"a": {"b": 1}}', {"op": "add", "path": "/a/c", "value": [1]}, '{"a": {"b": 1, "c": [1]}}'),
        ('{"a": {"b": 1, "c": 2}}', {"op": "remove", "path": "/a/c"}, '{"a": {"b": 1}}'),
        ('{"a": {"b": 1, "c": 2}}', {"op": "remove", "path": "/a/b"}, '{"a": {"c": 2}}'),
        ('{"a": {}}', {"op": "add", "path": "/a/x", "value": "y"}, '{"a": {"x": "y"}}'),
        ("a: {b: 1}\n", {"op": "add", "path": "/a/c", "value": "on"}, 'a: {b: 1, c: "on"}\n'),
        (
            '{\n  "a": {\n    "b": 1\n  }\n}',
            {"op": "add", "path": "/a/c", "value": 2},
            '{\n  "a": {\n    "b": 1,\n    "c": 2\n  }\n}',
        ),
    ],
)
def test_flow_mappings_and_json_keep_their_syntax(text: str, operation: dict[str, Any], expected: str) -> None:
    assert edit(text, operation) == expected


def test_scalars_that_would_read_back_differently_are_quoted() -> None:
    after = edit(
        "a:\n  b: x\n", {"op": "add", "path": "/a/c", "value": "yes"}, {"op": "add", "path": "/a/d", "value": "1"}
    )
    assert 'c: "yes"' in after and 'd: "1"' in after


def test_documents_are_split_at_their_markers() -> None:
    text = "a: 1\n---\n# second\nb: 2\n--- # third\nc: 3\n...\n"
    spans = [text[start:end] for start, end in document_spans(text)]
    assert spans == ["a: 1\n", "\n# second\nb: 2\n", " # third\nc: 3\n"]


def test_aliases_and_list_insertions_are_not_placed_but_round_trip_edits_keep_comments() -> None:
    text = "base: &b\n  x: 1\nuse: *b\nlist:\n  - a  # first\n"
    with pytest.raises(Unplaceable, match=r"the YAML anchor &b \(line 13\)"):
        edit_document(text, (), [{"op": "add", "path": "/base/y", "value": 2}], offset=12)
    with pytest.raises(Unplaceable):
        edit_document(text, (), [{"op": "add", "path": "/list/0", "value": "z"}])
    after = roundtrip_edit(text, (), [{"op": "add", "path": "/list/0", "value": "z"}])
    assert "# first" in after.text and yaml.safe_load(after.text)["list"] == ["z", "a"] and not after.notes


def rewrite(text: str, *operations: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    """``text`` rewritten with ``operations``, checked to read as the patch applied to the data as read (each alias
    its own copy, as the checks see it), and the notes."""
    done = roundtrip_edit(text, (), list(operations))
    assert yaml.safe_load(done.text) == apply_patch(json.loads(json.dumps(yaml.safe_load(text))), list(operations))
    return done.text, done.notes


SHARED = """\
web:
  securityContext: &hardened
    privileged: true  # the debugger needs it
    runAsNonRoot: true
metrics:
  securityContext: *hardened
"""


@pytest.mark.parametrize("place", ["web", "metrics"])
def test_a_change_through_an_alias_changes_only_its_place(place: str) -> None:
    operation = {"op": "add", "path": f"/{place}/securityContext/privileged", "value": False}
    after, notes = rewrite(SHARED, operation)
    assert f"{place}:\n  securityContext:\n    privileged: false # the debugger needs it\n" in after
    assert after.count("privileged: true  # the debugger needs it\n    runAsNonRoot: true") == 1
    assert notes == (
        f"/{place}/securityContext shared the anchor &hardened (line 2) with other places: it now has a copy of its "
        "own, changed, and the other places are unchanged",
    )
    with pytest.raises(Unplaceable, match=r"&hardened \(line 2\)"):
        edit_document(SHARED, (), [operation])


MERGED = """\
web: &common
  image: nginx
  securityContext:
    privileged: true
  ports:
    - containerPort: 80
      hostPort: 80
canary:
  <<: *common
  image: nginx-canary
"""


def test_a_change_through_a_merge_key_writes_the_member_out_and_keeps_the_merged_mapping() -> None:
    after, notes = rewrite(MERGED, {"op": "add", "path": "/canary/securityContext/privileged", "value": False})
    assert after.startswith(MERGED.split("canary:")[0]) and "<<: *common" in after
    assert notes == (
        "/canary/securityContext came through the merge key << from the anchor &common (line 1): it is now written "
        "out in place and changed there, the merged mapping is unchanged",
    )
    after, _ = rewrite(MERGED, {"op": "remove", "path": "/canary/ports/0/hostPort"})
    assert yaml.safe_load(after)["web"]["ports"] == [{"containerPort": 80, "hostPort": 80}]
    with pytest.raises(Unplaceable, match=r"the merge key << \(line 9\)"):
        edit_document(MERGED, (), [{"op": "add", "path": "/canary/image", "value": "nginx"}])


def test_removing_a_merged_member_writes_the_merge_out() -> None:
    text = "base: &caps\n  add: [NET_ADMIN]\n  drop: [ALL]\nsidecar:\n  <<: *caps\n  drop: [NET_RAW]\n"
    after, notes = rewrite(text, {"op": "remove", "path": "/sidecar/add"})
    assert "<<" not in after and yaml.safe_load(after)["sidecar"] == {"drop": ["NET_RAW"]}
    assert notes[0].startswith("/sidecar took 'add' through the merge key << from the anchor &caps (line 1)")


def test_an_anchor_left_to_merge_lists_is_still_defined_once() -> None:
    text = "a: &a {k: 1}\nb: &b {j: 2}\nm1: {<<: [*a, *b], n: 1}\nm2: {<<: [*a, *b], n: 2}\n"
    after, _ = rewrite(text, {"op": "add", "path": "/a/x", "value": 5})
    assert "m1: {<<: [&a {k: 1}, *b], n: 1}" in after


def test_a_patch_that_does_not_apply_is_an_error() -> None:
    with pytest.raises(FixError, match="nothing to remove"):
        edit_document(POD, (), [{"op": "remove", "path": "/spec/hostIPC"}])
    with pytest.raises(FixError, match="no member"):
        edit_document(POD, (), [{"op": "add", "path": "/spec/nothing/here", "value": 1}])
