"""User and group names from the process's own root: the host's, a container's, files that change or lie."""

from __future__ import annotations

import os
from pathlib import Path

from jackwatch.sensor.users import UserNames, parse_ids, read_confined

PASSWD = "root:x:0:0:root:/root:/bin/bash\n# a comment\nbroken line\napp:x:1000:1000::/app:/bin/sh\n"
GROUP = "root:x:0:\napp:x:1000:\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def make_root(path: Path, passwd: str = PASSWD, group: str = GROUP) -> Path:
    (path / "etc").mkdir(parents=True)
    (path / "etc" / "passwd").write_text(passwd)
    (path / "etc" / "group").write_text(group)
    return path


def test_parse_skips_what_is_not_an_entry() -> None:
    assert parse_ids(PASSWD) == {0: "root", 1000: "app"}
    assert parse_ids("dup:x:5:\nsecond:x:5:\n") == {5: "dup"}


def test_host_and_container_have_their_own_names(tmp_path: Path) -> None:
    host = make_root(tmp_path / "host", "root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/bash\n")
    container = make_root(tmp_path / "container")
    proc = tmp_path / "proc"
    (proc / "4242").mkdir(parents=True)
    (proc / "4242" / "root").symlink_to(container)
    names = UserNames(host, proc)
    assert names.user(None, 1, 1000) == "alice"
    assert names.user("c1", 4242, 1000) == "app"
    assert names.group("c1", 4242, 1000) == "app"
    assert names.user("c1", 4242, 4711) is None
    # the container's process is gone: what was read is kept
    (proc / "4242" / "root").unlink()
    assert names.user("c1", 9999, 1000) == "app"


def test_a_user_added_during_the_run_is_found(tmp_path: Path) -> None:
    root = make_root(tmp_path / "host")
    clock = Clock()
    names = UserNames(root, tmp_path / "proc", now=clock)
    assert names.user(None, 1, 1001) is None
    with (root / "etc" / "passwd").open("a") as handle:
        handle.write("nairobi:x:1001:1001::/dev/shm/zeus:/bin/sh\n")
    os.utime(root / "etc" / "passwd", ns=(1, 10**18))
    assert names.user(None, 1, 1001) is None  # checked again only after a second
    clock.now = 2.0
    assert names.user(None, 1, 1001) == "nairobi"


def test_links_are_not_followed_out_of_the_container(tmp_path: Path) -> None:
    secret = tmp_path / "host-shadow"
    secret.write_text("root:$6$hash:19000:0:99999:7:::\n")
    container = tmp_path / "container"
    (container / "etc").mkdir(parents=True)
    (container / "etc" / "passwd").symlink_to(secret)
    assert read_confined(container, "etc/passwd") is None
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "etc").symlink_to(container / "etc")
    assert read_confined(linked, "etc/group") is None
    assert read_confined(tmp_path / "missing", "etc/passwd") is None


def test_a_file_that_is_not_regular_or_too_big_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "r"
    (root / "etc" / "passwd").mkdir(parents=True)
    assert read_confined(root, "etc/passwd") is None
    big = make_root(tmp_path / "big", passwd="x" * (4 * 1024 * 1024 + 1))
    assert read_confined(big, "etc/passwd") is None
