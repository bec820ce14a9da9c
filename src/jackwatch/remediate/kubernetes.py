"""Kubernetes fixes made to the user's manifest file, and verified.

A Kubernetes finding's fix (:mod:`jackwatch.checks.kubernetes.fixes`) is a JSON patch of one object, or an object
to create. :func:`manifest_change` turns it into a change of the manifest file that holds the object: the JSON
patch applied to that object's text only (:mod:`~jackwatch.remediate.yamledit`: comments, key order, quoting and
layout kept; in a multi-document file the other documents are untouched), or the object to create appended as a
new document. :func:`verify_change` proves the change: the file still reads, without new problems, its other objects
as they were; the object is still there, the same kind and name, its containers still named and with an image; it
is exactly the object the JSON patch gives; and checking the file again no longer shows the finding.

A scan records in each fix the digest of the object it was made from (:func:`with_object_digests`);
:func:`check_unchanged` refuses a file whose object no longer has it: edited since the scan, the patch may no
longer fit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote

import orjson
from ruamel.yaml.nodes import MappingNode, SequenceNode

from jackwatch.checks.kubernetes import registry
from jackwatch.errors import Location
from jackwatch.inventory.kubernetes import K8sObject, build_inventory, make_object, read_manifest_text
from jackwatch.inventory.kubernetes.inventory import CONTAINER_FIELDS, pod_spec
from jackwatch.inventory.kubernetes.objects import mapping, sequence
from jackwatch.model import Finding
from jackwatch.remediate.errors import FixError
from jackwatch.remediate.files import FileChange
from jackwatch.remediate.pointer import apply_patch
from jackwatch.remediate.yamledit import (
    Path,
    Unplaceable,
    block_lines,
    compose,
    document_spans,
    edit_document,
    roundtrip_edit,
)
from jackwatch.sources.stats import ReadStats

LAYOUT_NOTE = "the document could not be edited line by line: it was rewritten (comments and key order kept)"


def object_digest(body: Mapping[str, Any]) -> str:
    """A digest of an object as read (sha256 of its canonical JSON, 32 hex digits)."""
    data = orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()[:32]


def with_object_digests(findings: Iterable[Finding], objects: Iterable[K8sObject]) -> list[Finding]:
    """Each finding whose fix patches an object read from a file, with that object's digest in ``fix.object``."""
    by_place = {(obj.kind, obj.namespace, obj.name, obj.file, obj.line): obj for obj in objects if obj.file}
    digests: dict[int, str] = {}
    result = []
    for finding in findings:
        fix = finding.evidence.get("fix")
        target = fix.get("object") if isinstance(fix, Mapping) else None
        obj = by_place.get(_place(target)) if isinstance(target, Mapping) else None
        if obj is None or not isinstance(fix, Mapping) or not isinstance(target, Mapping):
            result.append(finding)
            continue
        digest = digests.get(id(obj))
        if digest is None:
            digest = digests[id(obj)] = object_digest(obj.body)
        sealed = {**fix, "object": {**target, "digest": digest}}
        result.append(replace(finding, evidence={**finding.evidence, "fix": sealed}))
    return result


def _place(target: Mapping[str, Any]) -> tuple[Any, ...]:
    return (target.get("kind"), target.get("namespace"), target.get("name"), target.get("file"), target.get("line"))


@dataclass(frozen=True, slots=True)
class Located:
    """An object in a manifest text: the document's span, the path to the object in it (``("items", 3)`` in a
    ``List``), and the object as read."""

    start: int
    end: int
    prefix: Path
    obj: K8sObject


def locate(text: str, path: str, kind: str, namespace: str | None, name: str, line: int | None = None) -> Located:
    """The object ``kind`` ``namespace``/``name`` in the manifest ``text``; when the file holds it twice, the one at
    ``line``. A :class:`FixError` when it is not there (or not told apart)."""
    found: list[Located] = []
    for start, end in document_spans(text):
        offset = text.count("\n", 0, start)
        found.extend(
            Located(start, end, _prefix(text[start:end], obj, offset), obj)
            for obj in read_manifest_text("\n" * offset + text[start:end], path, ReadStats())
            if (obj.kind, obj.namespace, obj.name) == (kind, namespace, name)
        )
    shown = f"{kind} {namespace + '/' if namespace else ''}{name}"
    if not found:
        raise FixError(f"no {shown} in the file", Location(path))
    if len(found) > 1:
        found = [item for item in found if item.obj.line == line] or found
        if len(found) > 1:
            raise FixError(f"{shown} is in the file {len(found)} times", Location(path))
    return found[0]


def _prefix(part: str, obj: K8sObject, offset: int) -> Path:
    """The path to ``obj`` in its document: empty, or ``("items", i)`` when the document is a ``List``."""
    if "List" not in part:  # not a List kind: the object is the document
        return ()
    root = compose(part)
    if not isinstance(root, MappingNode):
        return ()
    for key, value in root.value:
        if key.value == "items" and isinstance(value, SequenceNode):
            for index, item in enumerate(value.value):
                if item.start_mark.line + offset + 1 == obj.line:
                    return ("items", index)
    return ()


def check_unchanged(located: Located, fix: Mapping[str, Any], path: str) -> None:
    """Refuse an object that differs from the one the fix was made from (its digest, when the scan recorded one)."""
    digest = mapping(fix.get("object")).get("digest")
    if digest is not None and object_digest(located.obj.body) != digest:
        target = mapping(fix.get("object"))
        raise FixError(
            f"{target.get('kind')} {target.get('name')} changed since the scan: the fix may no longer fit; "
            "scan the file again and fix the new finding",
            Location(path, located.obj.line),
        )


def manifest_change(text: str, path: str, fix: Mapping[str, Any]) -> FileChange:
    """The change of the manifest ``text`` (read from ``path``) that makes ``fix``.

    A patch fix edits its object's document; a ``create`` fix appends the object to the file as a new document
    (the file of the workload it is for). The result is checked to give the object the JSON patch gives (else
    the document is rewritten through round-trip YAML, the notes saying so and naming the anchors and merge keys
    the change was kept from going through, then checked again): a :class:`FixError` when neither does.
    """
    if "create" in fix:
        return _append(text, path, fix["create"])
    target = mapping(fix.get("object"))
    operations = fix.get("json_patch")
    if not isinstance(operations, list):
        raise FixError("the fix has no JSON patch")
    kind, name = str(target.get("kind")), str(target.get("name"))
    located = locate(text, path, kind, target.get("namespace"), name, target.get("line"))
    check_unchanged(located, fix, path)
    expected = apply_patch(_plain(located.obj.body), operations)
    part = text[located.start : located.end]
    offset = text.count("\n", 0, located.start)
    notes: tuple[str, ...] = ()
    try:
        edited = edit_document(part, located.prefix, operations, offset)
        new = text[: located.start] + edited + text[located.end :]
        _same_object(new, path, located, expected)
    except (Unplaceable, FixError) as unplaced:
        rewrite = roundtrip_edit(part, located.prefix, operations, offset)
        new = text[: located.start] + rewrite.text + text[located.end :]
        try:
            _same_object(new, path, located, expected)
        except FixError as error:
            raise FixError(
                f"{unplaced.message}, and rewriting the document does not give the patched object either: "
                "make this change by hand",
                error.location,
            ) from None
        notes = (LAYOUT_NOTE, *rewrite.notes)
    return FileChange(path, text, new, notes)


def _append(text: str, path: str, created: Mapping[str, Any]) -> FileChange:
    if path.endswith(".json"):
        raise FixError("a JSON manifest holds one document: create the object from its own file", Location(path))
    body = "\n".join(block_lines(dict(created))) + "\n"
    separator = "" if text.endswith("\n") or not text else "\n"
    return FileChange(path, text, f"{text}{separator}---\n{body}")


def _same_object(new: str, path: str, located: Located, expected: Any) -> None:
    obj = located.obj
    again = locate(new, path, obj.kind, obj.namespace, obj.name, obj.line)
    if _plain(again.obj.body) != expected:
        raise FixError("the edited file does not give the patched object", Location(path, obj.line))


def _plain(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS, default=str))


@dataclass(frozen=True, slots=True)
class Verification:
    """What was checked of a change: each item a sentence."""

    checks: tuple[str, ...]


def verify_change(
    change: FileChange,
    fix: Mapping[str, Any],
    finding: Finding,
    *,
    context: Sequence[K8sObject] = (),
) -> Verification:
    """Prove that ``change`` fixes ``finding``: see the module's description. ``context`` holds the objects of the
    other files scanned with this one (a ServiceAccount, a Service, a NetworkPolicy elsewhere). A
    :class:`FixError` says which check failed."""
    where = Location(change.path)
    before_stats, after_stats = ReadStats(), ReadStats()
    before = read_manifest_text(change.old, change.path, before_stats)
    after = read_manifest_text(change.new, change.path, after_stats)
    if len(after_stats.problems) > len(before_stats.problems):
        raise FixError(f"the changed file no longer reads: {after_stats.problems[-1]}", where)
    created = "create" in fix
    if len(after) != len(before) + (1 if created else 0):
        raise FixError(f"the changed file holds {len(after)} objects instead of {len(before)}", where)
    checks = ["the file still reads, every document as before"]
    if created:
        made = make_object(mapping(fix.get("create")))
        if made is None:
            raise FixError("the object to create is not a Kubernetes object", where)
        kind, namespace, name = made.kind, made.namespace, made.name
    else:
        target = mapping(fix.get("object"))
        kind, namespace, name = str(target.get("kind")), target.get("namespace"), str(target.get("name"))
    changed = [obj for obj in after if (obj.kind, obj.namespace, obj.name) == (kind, namespace, name)]
    if not changed:
        raise FixError(f"the changed file has no {kind} {name}", where)
    unchanged = _others(before, kind, namespace, name)
    altered = [shown for shown, body in _others(after, kind, namespace, name) if (shown, body) not in unchanged]
    if altered:
        raise FixError(f"the change alters other objects of the file too: {', '.join(altered)}", where)
    checks.append(f"{kind} {name} is still there, the same kind and name")
    if not created:
        original = next(obj for obj in before if (obj.kind, obj.namespace, obj.name) == (kind, namespace, name))
        problems = set(sanity_problems(changed[0])) - set(sanity_problems(original))
        if problems:
            raise FixError(f"the changed object is not valid: {'; '.join(sorted(problems))}", where)
        checks.append("its containers still have a name and an image")
        expected = apply_patch(_plain(original.body), fix.get("json_patch") or [])
        if _plain(changed[0].body) != expected:
            raise FixError("the changed file does not give the object the JSON patch gives", where)
        checks.append("it is the object the JSON patch gives")
    cluster = cluster_of(finding.subject)
    stats = ReadStats()
    inventory = build_inventory([*context, *after], cluster, stats)
    remaining = {(hit.subject, hit.key) for hit in registry.hits(finding.rule_id, inventory)}
    if (finding.subject, finding.key) in remaining:
        raise FixError(f"checking the changed file again still shows {finding.rule_id}", where)
    checks.append(f"checking it again no longer shows {finding.rule_id}")
    return Verification(tuple(checks))


def _others(objects: Sequence[K8sObject], kind: str, namespace: str | None, name: str) -> list[tuple[str, Any]]:
    """The objects other than ``kind`` ``namespace``/``name``, each named and as plain data, in file order."""
    return [
        (f"{obj.kind} {obj.name}", _plain(obj.body))
        for obj in objects
        if (obj.kind, obj.namespace, obj.name) != (kind, namespace, name)
    ]


def cluster_of(subject: str) -> str:
    """The cluster name in a ``k8s://<cluster>/…`` ref."""
    return unquote(subject.removeprefix("k8s://").split("/", 1)[0])


def sanity_problems(obj: K8sObject) -> list[str]:
    """What the API server would refuse at a glance: containers without a name or an image, a pod spec that is not
    a mapping."""
    found = pod_spec(obj)
    if found is None:
        return []
    spec, _ = found
    return [
        f"{field}[{index}] has no {required}"
        for field in CONTAINER_FIELDS
        for index, item in enumerate(sequence(spec.get(field)))
        for required in ("name", "image")
        if not isinstance(mapping(item).get(required), str) or not mapping(item).get(required)
    ]
