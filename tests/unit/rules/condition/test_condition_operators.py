"""Every operator, positive and negative, through both the compiled predicate and the reference walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Matches = Callable[..., bool]

CASES: list[tuple[str, dict[str, Any], bool]] = [
    # = and != on text
    ('t.user = "alice"', {"user": "alice"}, True),
    ("t.user = alice", {"user": "Alice"}, False),
    ("t.user == alice", {"user": "alice"}, True),
    ("t.user != alice", {"user": "bob"}, True),
    ("t.user != alice", {"user": "alice"}, False),
    ('t.user = ""', {"user": ""}, True),
    # text fields compare as text, even when the value looks numeric
    ("t.text_num = 5", {"text_num": "5"}, True),
    ("t.text_num = 5.0", {"text_num": "5"}, False),
    # number fields compare as numbers
    ("t.num = 5", {"num": 5}, True),
    ("t.num = 5.0", {"num": 5}, True),
    ("t.num = 0x10", {"num": 16}, True),
    ("t.num = five", {"num": 5}, False),
    ("t.num != 4", {"num": 5}, True),
    ("t.num = 1.5", {"num": 1.5}, True),
    # booleans compare with true/false
    ("t.flag = true", {"flag": True}, True),
    ("t.flag = false", {"flag": True}, False),
    ("t.flag != false", {"flag": True}, True),
    ("t.flag = 1", {"flag": True}, False),
    ("t.user = true", {"user": "true"}, True),
    # numeric operators
    ("t.num > 3", {"num": 5}, True),
    ("t.num > 5", {"num": 5}, False),
    ("t.num >= 5", {"num": 5}, True),
    ("t.num < 5.5", {"num": 5}, True),
    ("t.num <= 4", {"num": 5}, False),
    ("t.num > -1", {"num": 0}, True),
    ("t.text_num > 3", {"text_num": "10"}, True),
    ("t.text_num < 3", {"text_num": "10"}, False),
    ("t.text_num > 3", {"text_num": "ten"}, False),
    ("t.text_num < 3", {"text_num": "ten"}, False),
    ("t.flag > 0", {"flag": True}, False),
    # text operators
    ('t.cmd contains "-e "', {"cmd": "nc -e /bin/sh"}, True),
    ('t.cmd contains "-E "', {"cmd": "nc -e /bin/sh"}, False),
    ('t.cmd icontains "BEGIN private"', {"cmd": "grep begin PRIVATE key"}, True),
    ('t.cmd icontains "openssh"', {"cmd": "grep begin PRIVATE key"}, False),
    ("t.path startswith /etc/", {"path": "/etc/shadow"}, True),
    ("t.path startswith /etc/", {"path": "/etcx/shadow"}, False),
    ("t.path endswith _history", {"path": "/root/.bash_history"}, True),
    ("t.path endswith _history", {"path": "/root/.bash_history.bak"}, False),
    ("t.num contains 2", {"num": 123}, True),
    # bytes
    ("t.data bcontains cafebabe", {"data": b"\x00\xca\xfe\xba\xbe\x01"}, True),
    ("t.data bcontains cafebabe", {"data": b"\xca\xfe"}, False),
    ("t.cmd bcontains 6361", {"cmd": "xcay"}, True),
    ("t.cmd bcontains 'CAFE'", {"cmd": "x\u00ca"}, False),
    ("t.data bstartswith 7f454c46", {"data": b"\x7fELF\x02"}, True),
    ("t.data bstartswith 7f454c46", {"data": b"\x00\x7fELF"}, False),
    # globs
    ("t.path glob '/home/*/.ssh/*'", {"path": "/home/bob/.ssh/id_rsa"}, True),
    ("t.path glob '/home/*/.ssh/*'", {"path": "/root/.ssh/id_rsa"}, False),
    ("t.path glob /proc/*/environ", {"path": "/proc/1/2/environ"}, True),
    ("t.path glob '*.SH'", {"path": "run.sh"}, False),
    ("t.path iglob '*.SH'", {"path": "run.sh"}, True),
    ("t.path glob 'file[0-9]'", {"path": "file7"}, True),
    ("t.path glob 'file[!0-9]'", {"path": "file7"}, False),
    # pmatch
    ("t.path pmatch (/etc, /var/lib/)", {"path": "/etc"}, True),
    ("t.path pmatch (/etc, /var/lib/)", {"path": "/etc/ssh/sshd_config"}, True),
    ("t.path pmatch (/etc, /var/lib/)", {"path": "/var/lib/dpkg"}, True),
    ("t.path pmatch (/etc, /var/lib/)", {"path": "/etcetera"}, False),
    ("t.path pmatch (/etc, /var/lib/)", {"path": "/var/library"}, False),
    ("t.path pmatch (/)", {"path": "/anything/below"}, True),
    ("t.path pmatch (/)", {"path": "relative/path"}, False),
    ("t.path pmatch ()", {"path": "/etc"}, False),
    # regex
    ("t.cmd regex '^curl .*-o'", {"cmd": "curl http://x -o /tmp/a"}, True),
    ("t.cmd regex '^curl .*-o'", {"cmd": "wget http://x -O /tmp/a"}, False),
    ("t.cmd regex 'sk-[A-Za-z0-9]{4}'", {"cmd": "export KEY=sk-abcd1234"}, True),
    # in / intersects on scalars
    ("t.user in (alice, bob)", {"user": "bob"}, True),
    ("t.user in (alice, bob)", {"user": "carol"}, False),
    ("t.user in ()", {"user": "carol"}, False),
    ("t.user in ('<NA>', 'N/A', '')", {"user": ""}, True),
    ("t.num in (0, 1, 2)", {"num": 2}, True),
    ("t.num in (0, 1, 2)", {"num": 2.0}, True),
    ("t.num in (0, 1, 2)", {"num": 3}, False),
    ("t.flag in (true)", {"flag": True}, True),
    ("t.flag in (false)", {"flag": True}, False),
    ("t.user intersects (alice, bob)", {"user": "alice"}, True),
    ("t.user intersects (alice, bob)", {"user": "eve"}, False),
    # list fields: in = every element (and not empty), intersects = any element
    ("t.tags in (a, b, c)", {"tags": ["a", "c"]}, True),
    ("t.tags in (a, b, c)", {"tags": ["a", "z"]}, False),
    ("t.tags in (a, b, c)", {"tags": []}, False),
    ("t.tags intersects (a, b)", {"tags": ["z", "b"]}, True),
    ("t.tags intersects (a, b)", {"tags": ["z", "y"]}, False),
    ("t.tags intersects (a, b)", {"tags": []}, False),
    ("t.ports intersects (22, 80)", {"ports": [8080, 80]}, True),
    ("t.ports in (22, 80)", {"ports": [22, 8080]}, False),
    # list fields: other operators hold when any element satisfies them
    ("t.tags = b", {"tags": ["a", "b"]}, True),
    ("t.tags = c", {"tags": ["a", "b"]}, False),
    ("t.tags != a", {"tags": ["a", "b"]}, True),
    ("t.tags != a", {"tags": ["a", "a"]}, False),
    ("t.tags contains x", {"tags": ["abc", "wxy"]}, True),
    ("t.tags startswith x", {"tags": ["abc", "wxy"]}, False),
    ("t.ports > 1000", {"ports": [22, 8080]}, True),
    ("t.ports > 10000", {"ports": [22, 8080]}, False),
    ("t.tags = a", {"tags": []}, False),
    ("t.tags pmatch (/etc)", {"tags": ["/usr/bin", "/etc/hosts"]}, True),
    # exists
    ("t.user exists", {"user": "alice"}, True),
    ("t.user exists", {"user": ""}, True),
    ("t.user exists", {}, False),
    ("not t.user exists", {}, True),
    ("t.tags exists", {"tags": []}, True),
    # transformers
    ("tolower(t.user) = alice", {"user": "ALICE"}, True),
    ("toupper(t.user) = alice", {"user": "alice"}, False),
    ("toupper(t.user) = ALICE", {"user": "alice"}, True),
    ("basename(t.path) = sh", {"path": "/bin/sh"}, True),
    ("basename(t.path) = ''", {"path": "/usr/bin/"}, True),
    ("tolower(basename(t.path)) = bash", {"path": "/BIN/BASH"}, True),
    ("b64(t.cmd) contains 'wget'", {"cmd": "d2dldCBodHRwOi8veA=="}, True),
    ("b64(t.cmd) exists", {"cmd": "not base64!"}, False),
    ("len(t.user) = 5", {"user": "alice"}, True),
    ("len(t.user) > 5", {"user": "alice"}, False),
    ("len(t.tags) = 3", {"tags": ["a", "b", "c"]}, True),
    ("tolower(t.tags) intersects (admin)", {"tags": ["ADMIN", "x"]}, True),
    ("len(t.user) exists", {}, False),
    # a field on the right
    ("t.user = val(t.cmd)", {"user": "a", "cmd": "a"}, True),
    ("t.user = val(t.cmd)", {"user": "a", "cmd": "b"}, False),
    ("t.user = val(t.cmd)", {"user": "a"}, False),
    ("t.user = toupper(t.cmd)", {"user": "AB", "cmd": "ab"}, True),
    ("t.num < val(t.text_num)", {"num": 3, "text_num": "10"}, True),
    ("t.user in val(t.tags)", {"user": "b", "tags": ["a", "b"]}, True),
    ("t.user in val(t.tags)", {"user": "c", "tags": ["a", "b"]}, False),
    ("t.tags intersects val(t.user)", {"user": "b", "tags": ["a", "b"]}, True),
    ("t.user contains val(t.cmd)", {"user": "alice", "cmd": "lic"}, True),
    ("t.user icontains val(t.cmd)", {"user": "alice", "cmd": "LIC"}, True),
    ("t.flag = val(t.cmd)", {"flag": True, "cmd": "true"}, True),
    # fields with arguments
    ("t.arg[region] = us-east-1", {"args": {"region": "us-east-1"}}, True),
    ("t.arg[region] = us-east-1", {"args": {"zone": "us-east-1"}}, False),
    ("t.aname[2] = sh", {"ancestors": ["bash", "sh"]}, True),
    ("t.aname = bash", {"ancestors": ["bash", "sh"]}, True),
    ("t.aname[3] = sh", {"ancestors": ["bash", "sh"]}, False),
]


@pytest.mark.parametrize(("condition", "raw", "expected"), CASES)
def test_operator(matches: Matches, condition: str, raw: dict[str, Any], expected: bool) -> None:
    assert matches(condition, **raw) is expected


MISSING_FIELD = [
    "t.user = x",
    "t.user != x",
    "t.user < 3",
    "t.user >= 3",
    "t.user in (x)",
    "t.user in ()",
    "t.user intersects (x)",
    "t.user contains x",
    "t.user icontains x",
    "t.user bcontains 00",
    "t.user startswith x",
    "t.user bstartswith 00",
    "t.user endswith x",
    "t.user glob '*'",
    "t.user iglob '*'",
    "t.user pmatch (/)",
    "t.user regex '.*'",
    "t.user exists",
    "tolower(t.user) = x",
    "t.tags intersects (x)",
    "t.cmd = val(t.user)",
]


@pytest.mark.parametrize("condition", MISSING_FIELD)
def test_missing_field_makes_every_comparison_false(matches: Matches, condition: str) -> None:
    assert matches(condition, cmd="x") is False
    assert matches(f"not {condition}", cmd="x") is True


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("t.user = alice and t.num > 3", True),
        ("t.user = alice and t.num > 9", False),
        ("t.user = bob or t.num > 3", True),
        ("t.user = bob or t.num > 9", False),
        ("not (t.user = bob or t.num > 9)", True),
        ("t.user = bob or (t.num > 3 and not t.path exists)", True),
    ],
)
def test_boolean_logic(matches: Matches, condition: str, expected: bool) -> None:
    assert matches(condition, user="alice", num=5) is expected
