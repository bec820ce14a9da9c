"""npm: lock files of every lockfileVersion, and packages installed in node_modules (scoped ones too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.inventory.trees import reasons, write

from jackwatch.inventory.directory import DirectoryRoot
from jackwatch.inventory.lockfiles import declared_packages
from jackwatch.inventory.npm import installed_npm_packages, is_installed_manifest
from jackwatch.model.inventory import Ecosystem, Package, PackageLocation
from jackwatch.sources.stats import ReadStats

INTEGRITY = "sha512-kQRWv7zDVgxI0RmwvjgjOZiYOhQ8UoQvDNw2zG7xqEzgJ0cr3Lc6XPMQcqmYvN7bV/tqGeOmK9Q6u8XvVh6eA=="

V1_LOCK: dict[str, Any] = {
    "name": "chat-frontend",
    "version": "1.0.0",
    "lockfileVersion": 1,
    "requires": True,
    "dependencies": {
        "@anthropic-ai/sdk": {
            "version": "0.20.1",
            "resolved": "https://registry.npmjs.org/@anthropic-ai/sdk/-/sdk-0.20.1.tgz",
            "integrity": INTEGRITY,
            "requires": {"node-fetch": "^2.6.7"},
            "dependencies": {
                "node-fetch": {
                    "version": "2.7.0",
                    "resolved": "https://registry.npmjs.org/node-fetch/-/node-fetch-2.7.0.tgz",
                    "integrity": INTEGRITY,
                }
            },
        },
        "node-fetch": {"version": "3.3.2", "resolved": "https://registry.npmjs.org/node-fetch/-/node-fetch-3.3.2.tgz"},
        "legacy-request": {"version": "npm:request@2.88.2", "integrity": INTEGRITY},
        "internal-ui": {"version": "git+https://github.com/example/internal-ui.git#4f2c1d9a"},
        "jest": {"version": "29.7.0", "dev": True},
    },
}

V3_LOCK: dict[str, Any] = {
    "name": "chat-app",
    "version": "2.1.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {"name": "chat-app", "version": "2.1.0", "workspaces": ["packages/*"], "dependencies": {"openai": "^4"}},
        "node_modules/@anthropic-ai/sdk": {
            "version": "0.20.1",
            "resolved": "https://registry.npmjs.org/@anthropic-ai/sdk/-/sdk-0.20.1.tgz",
            "integrity": INTEGRITY,
            "dependencies": {"node-fetch": "^2.6.7"},
        },
        "node_modules/@anthropic-ai/sdk/node_modules/node-fetch": {"version": "2.7.0", "integrity": INTEGRITY},
        "node_modules/openai": {"version": "4.28.0", "license": "Apache-2.0"},
        "node_modules/ui-kit": {"resolved": "packages/ui-kit", "link": True},
        "node_modules/old-request": {"name": "request", "version": "2.88.2"},
        "packages/ui-kit": {"name": "ui-kit", "version": "0.0.1", "dependencies": {"react": "^18"}},
        "packages/ui-kit/node_modules/react": {"version": "18.2.0"},
    },
}

V2_LOCK: dict[str, Any] = {
    "name": "chat-app",
    "version": "2.1.0",
    "lockfileVersion": 2,
    "requires": True,
    "packages": {"": {"name": "chat-app"}, "node_modules/openai": {"version": "4.28.0"}},
    "dependencies": {"openai": {"version": "4.28.0"}, "only-in-the-v1-tree": {"version": "1.0.0"}},
}


def scan(top: Path) -> tuple[list[Package], ReadStats]:
    stats = ReadStats()
    root = DirectoryRoot(top, stats)
    files = list(root.files())
    return [*installed_npm_packages(root, files, stats), *declared_packages(root, files, stats)], stats


def listed(packages: list[Package]) -> list[tuple[str, str]]:
    return [(package.name, package.version) for package in packages]


def test_a_v1_lock_gives_its_nested_tree_aliases_under_their_real_name(tmp_path: Path) -> None:
    write(tmp_path, "package-lock.json", json.dumps(V1_LOCK, indent=2))
    packages, stats = scan(tmp_path)
    assert listed(packages) == [
        ("@anthropic-ai/sdk", "0.20.1"),
        ("node-fetch", "2.7.0"),
        ("node-fetch", "3.3.2"),
        ("request", "2.88.2"),
        ("jest", "29.7.0"),
    ]
    assert all(p.declared and p.ecosystem is Ecosystem.NPM for p in packages)
    assert reasons(stats) == [("not_a_version", f"{tmp_path}/package-lock.json")]
    assert "internal-ui" in stats.problems[0].message


def test_a_v3_lock_leaves_out_the_project_workspaces_and_links(tmp_path: Path) -> None:
    write(tmp_path, "web/package-lock.json", json.dumps(V3_LOCK, indent=2))
    packages, stats = scan(tmp_path)
    assert listed(packages) == [
        ("@anthropic-ai/sdk", "0.20.1"),
        ("node-fetch", "2.7.0"),
        ("openai", "4.28.0"),
        ("request", "2.88.2"),
        ("react", "18.2.0"),
    ]
    assert packages[0].locations == (PackageLocation("web/package-lock.json"),)
    assert packages[0].purl == "pkg:npm/%40anthropic-ai/sdk@0.20.1"
    assert stats.problems == []


def test_a_v2_lock_is_read_from_its_packages_not_its_v1_tree(tmp_path: Path) -> None:
    write(tmp_path, "npm-shrinkwrap.json", json.dumps(V2_LOCK))
    packages, _ = scan(tmp_path)
    assert listed(packages) == [("openai", "4.28.0")]


@pytest.mark.parametrize(
    ("document", "reason", "message"),
    [
        ({"name": "x", "version": "1.0.0"}, "invalid_lock_file", "not an npm lock file"),
        ({"lockfileVersion": 3, "packages": {"node_modules/a": {"resolved": "x"}}}, "invalid_lock_entry", "'a'"),
        ({"lockfileVersion": 1, "dependencies": {"a": "1.0.0"}}, "invalid_lock_entry", "no name or no version"),
        ({"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "latest"}}}, "not_a_version", "'latest'"),
    ],
)
def test_broken_npm_locks_are_reported(tmp_path: Path, document: dict[str, Any], reason: str, message: str) -> None:
    write(tmp_path, "package-lock.json", json.dumps(document))
    packages, stats = scan(tmp_path)
    assert packages == []
    (problem,) = stats.problems
    assert (problem.reason, str(problem.location)) == (reason, f"{tmp_path}/package-lock.json")
    assert message in problem.message


def test_a_lock_of_a_project_without_dependencies_is_empty_not_broken(tmp_path: Path) -> None:
    write(tmp_path, "package-lock.json", json.dumps({"name": "x", "lockfileVersion": 3, "requires": True}))
    assert scan(tmp_path) == ([], ReadStats(files_read=1))


def manifest(name: str, version: str, **extra: Any) -> str:
    return json.dumps({"name": name, "version": version, "main": "index.js", "license": "MIT", **extra}, indent=2)


def test_installed_packages_are_read_from_each_package_json_of_node_modules(tmp_path: Path) -> None:
    app = "srv/app"
    write(
        tmp_path,
        f"{app}/node_modules/@anthropic-ai/sdk/package.json",
        manifest("@anthropic-ai/sdk", "0.20.1", dependencies={"node-fetch": "^2.6.7", "@types/node": "^18.11.18"}),
    )
    write(tmp_path, f"{app}/node_modules/@anthropic-ai/sdk/dist/esm/package.json", '{"type": "module"}')
    nested = f"{app}/node_modules/@anthropic-ai/sdk/node_modules/node-fetch/package.json"
    write(tmp_path, nested, manifest("node-fetch", "2.7.0"))
    write(tmp_path, f"{app}/node_modules/openai/package.json", manifest("openai", "4.28.0"))
    write(tmp_path, f"{app}/node_modules/.package-lock.json", json.dumps(V3_LOCK))
    write(tmp_path, f"{app}/node_modules/.pnpm/zod@3.22.4/node_modules/zod/package.json", manifest("zod", "3.22.4"))
    write(tmp_path, f"{app}/package.json", manifest("app", "1.0.0", dependencies={"openai": "^4"}))
    write(tmp_path, "usr/local/lib/node_modules/npm/package.json", manifest("npm", "10.2.4"))
    packages, stats = scan(tmp_path)
    assert [(p.name, p.version, p.locations[0].path) for p in packages] == [
        ("zod", "3.22.4", f"{app}/node_modules/.pnpm/zod@3.22.4/node_modules/zod/package.json"),
        ("node-fetch", "2.7.0", nested),
        ("@anthropic-ai/sdk", "0.20.1", f"{app}/node_modules/@anthropic-ai/sdk/package.json"),
        ("openai", "4.28.0", f"{app}/node_modules/openai/package.json"),
        ("npm", "10.2.4", "usr/local/lib/node_modules/npm/package.json"),
    ]
    assert packages[2].requires == ("node-fetch@^2.6.7", "@types/node@^18.11.18")
    assert not any(p.declared for p in packages)
    assert stats.problems == []


def test_a_broken_installed_package_json_is_reported_and_the_others_read(tmp_path: Path) -> None:
    write(tmp_path, "node_modules/good/package.json", manifest("good", "1.0.0"))
    write(tmp_path, "node_modules/nameless/package.json", json.dumps({"version": "1.0.0"}))
    write(tmp_path, "node_modules/cut/package.json", '{"name": "cut", "vers')
    packages, stats = scan(tmp_path)
    assert listed(packages) == [("good", "1.0.0")]
    assert [(reason, where.rpartition("/node_modules/")[2]) for reason, where in reasons(stats)] == [
        ("invalid_json", "cut/package.json:1:22"),  # the end of the cut text
        ("invalid_package_json", "nameless/package.json"),
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("node_modules/openai/package.json", True),
        ("app/node_modules/@scope/name/package.json", True),
        ("node_modules/a/node_modules/b/package.json", True),
        ("node_modules/openai/lib/package.json", False),
        ("node_modules/@scope/package.json", False),
        ("node_modules/.bin/package.json", False),
        ("package.json", False),
        ("my_node_modules/x/package.json", False),
    ],
)
def test_which_package_json_files_are_installed_packages(path: str, expected: bool) -> None:
    assert is_installed_manifest(path) is expected
