"""Reading Kubernetes manifests: documents, lists, JSON, directories, and every kind of bad input reported with its
location while the rest is read."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from jackwatch.inventory.kubernetes import read_manifest_text, read_manifests
from jackwatch.inventory.kubernetes.manifests import MAX_ALIAS_NODES, read_manifest_file
from jackwatch.inventory.kubernetes.objects import line_of
from jackwatch.sources.stats import ReadStats

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.25
          securityContext:
            privileged: true
"""


def read(text: str, path: str = "m.yaml") -> tuple[list, ReadStats]:
    stats = ReadStats()
    return read_manifest_text(text, path, stats), stats


def reasons(stats: ReadStats) -> list[str]:
    return [problem.reason for problem in stats.problems]


def test_a_deployment_with_its_location_and_the_lines_of_its_fields() -> None:
    objects, stats = read("# header\n---\n" + DEPLOYMENT)
    [obj] = objects
    assert (obj.kind, obj.api_version, obj.name, obj.namespace) == ("Deployment", "apps/v1", "web", "shop")
    assert (obj.file, obj.line) == ("m.yaml", 3)
    container = obj.body["spec"]["template"]["spec"]["containers"][0]
    assert line_of(container) == 12 and line_of(container["securityContext"], "privileged") == 15
    assert stats.events_read == 1 and not stats.problems


def test_multi_document_files_and_namespaces() -> None:
    text = DEPLOYMENT + "---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n---\n"
    text += "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader, namespace: x}\n"
    objects, stats = read(text)
    assert [(o.kind, o.namespace) for o in objects] == [
        ("Deployment", "shop"),
        ("Service", "default"),  # namespaced, none given
        ("ClusterRole", None),  # cluster-scoped whatever it says
    ]
    assert [o.line for o in objects] == [1, 15, 20]
    assert not stats.problems


def test_list_kinds_are_expanded_with_the_lines_of_their_items() -> None:
    text = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a}
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: b}
  - "not an object"
"""
    objects, stats = read(text)
    assert [(o.kind, o.name, o.line) for o in objects] == [("Pod", "a", 4), ("ConfigMap", "b", 7)]
    assert reasons(stats) == ["not_an_object"]


def test_kubectl_get_json_output(tmp_path: Path) -> None:
    document = {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "n"}} for i in range(3)
        ],
    }
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(document, indent=1))
    stats = ReadStats()
    objects = read_manifest_file(path, stats)
    assert [o.name for o in objects] == ["p0", "p1", "p2"] and objects[0].line == 5
    assert stats.files_read == 1


def test_custom_resources_and_unknown_kinds_are_kept() -> None:
    text = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n"
    [obj], stats = read(text)
    assert (obj.kind, obj.namespace, obj.body["spec"]["size"]) == ("Widget", "default", 3)
    assert not stats.problems


def test_documents_that_are_not_objects_are_reported() -> None:
    text = "just text\n---\n- a\n- b\n---\napiVersion: v1\nkind: Pod\n---\n" + DEPLOYMENT
    objects, stats = read(text)
    assert [o.name for o in objects] == ["web"]
    assert reasons(stats) == ["not_an_object", "not_an_object", "not_an_object"]
    assert "no apiVersion, kind or metadata.name" in stats.problems[2].message


def test_an_unrendered_helm_template_is_refused_with_a_hint_and_the_other_documents_read() -> None:
    template = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
spec:
  replicas: {{ .Values.replicas }}
{{- if .Values.extra }}
  paused: true
{{- end }}
"""
    objects, stats = read(DEPLOYMENT + "---\n" + template + "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    assert [o.kind for o in objects] == ["Deployment", "Service"]
    assert reasons(stats) == ["template"]
    problem = stats.problems[0]
    assert "helm template" in problem.message and problem.location.path == "m.yaml"
    assert problem.location.line is not None and problem.location.line >= 15


def test_a_template_that_parses_is_still_refused_when_it_names_the_object() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: '{{ .Release.Name }}-config'\n"
    objects, stats = read(text)
    assert objects == [] and reasons(stats) == ["template"]


def test_template_markers_in_values_are_fine() -> None:
    """Rendered manifests legitimately hold Go templates in values (alerting rules, dashboards)."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\ndata:\n  rule: 'value {{ $labels.instance }}'\n"
    [obj], stats = read(text)
    assert obj.name == "alerts" and not stats.problems


def test_invalid_yaml_in_one_document_costs_only_that_document() -> None:
    text = DEPLOYMENT + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n---\n" + DEPLOYMENT
    objects, stats = read(text)
    assert len(objects) == 2 and reasons(stats) == ["invalid_yaml"]
    assert stats.problems[0].location.line is not None and stats.problems[0].location.line > 15


def test_a_yaml_bomb_is_refused_and_the_other_documents_read() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 9):
        previous = chr(ord("a") + index - 1)
        name = chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join("  " + line for line in lines)
    objects, stats = read(bomb + "\n---\n" + DEPLOYMENT)
    assert [o.name for o in objects] == ["web"]
    assert reasons(stats) == ["alias_bomb"] and str(MAX_ALIAS_NODES) in stats.problems[0].message


def test_harmless_aliases_are_allowed() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: &l {app: x}, annotations: *l}\n"
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {copy: '*x & y'}\n"
    text += "---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, labels: *l}\n"  # anchors do not cross documents
    objects, stats = read(text)
    assert [o.name for o in objects] == ["p", "c"] and objects[0].annotations == {"app": "x"}
    assert reasons(stats) == ["invalid_yaml"] and "undefined alias" in stats.problems[0].message


def test_oversized_non_utf8_and_missing_files_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(DEPLOYMENT)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00kind")
    monkeypatch.setattr("jackwatch.inventory.kubernetes.manifests.MAX_MANIFEST_BYTES", 100)
    stats = ReadStats()
    objects = read_manifests([big, binary, tmp_path / "absent.yaml"], stats)
    assert objects == []
    assert reasons(stats) == ["too_large", "not_utf8", "unreadable"]
    assert stats.files_failed == 3 and str(big) in str(stats.problems[0].location)


def test_directories_are_walked_in_order_skipping_hidden_folders_and_links_out(tmp_path: Path) -> None:
    root = tmp_path / "k8s"
    (root / "b").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "a.yaml").write_text(DEPLOYMENT.replace("name: web", "name: one"))
    (root / "b" / "two.yml").write_text(DEPLOYMENT.replace("name: web", "name: two"))
    (root / "b" / "notes.txt").write_text(DEPLOYMENT)
    (root / ".git" / "x.yaml").write_text(DEPLOYMENT)
    outside = tmp_path / "outside.yaml"
    outside.write_text(DEPLOYMENT.replace("name: web", "name: outside"))
    os.symlink(outside, root / "b" / "link.yaml")
    os.symlink(root / "a.yaml", root / "b" / "inside.yaml")
    stats = ReadStats()
    names = [o.name for o in read_manifests([root], stats)]
    assert names == ["one", "one", "two"]  # a.yaml, then b/inside.yaml (a link inside the root), b/two.yml
    assert stats.files_read == 3


def test_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DEPLOYMENT))
    stats = ReadStats()
    [obj] = read_manifests(["-"], stats)
    assert obj.file == "<stdin>" and obj.line == 1


def test_malformed_fields_read_as_absent() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: [a, b], annotations: {x: 1, y: null}}\nspec: 3\n"
    [obj], _ = read(text)
    assert obj.labels == {} and obj.annotations == {"x": "1"}
