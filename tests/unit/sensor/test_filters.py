"""The open filter: the Python rule, and the kernel conditions made from the same lists, evaluated here."""

from __future__ import annotations

import re

import pytest

from jackwatch.sensor import filters
from jackwatch.sensor.filters import keeps_open

O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC = 0, 0o1, 0o100, 0o1000
SITE = "/usr/local/lib/python3.11/site-packages"


@pytest.mark.parametrize(
    ("path", "flags"),
    [
        ("/etc/shadow", O_RDONLY),
        ("/etc/passwd", O_WRONLY | O_TRUNC),  # a write of a quiet file is kept
        ("/root/.aws/credentials", O_RDONLY),
        ("/home/app/.bash_history", O_RDONLY),
        ("/tmp/model.safetensors", O_RDONLY),
        ("/var/tmp/hub/llama-3-8b.Q4_K_M.gguf", O_RDONLY),
        ("/tmp/tool", O_WRONLY | O_CREAT),
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/openai/__init__.py", O_RDONLY),
        ("/dev/shm/zeus/.bashrc", O_WRONLY | O_CREAT),
        ("/var/run/secrets/kubernetes.io/serviceaccount/token", O_RDONLY),
        ("/usr/bin/curl", O_WRONLY | O_TRUNC),
        ("/app/.env", O_RDONLY),
        ("/srv/.env.production", O_RDONLY),
        ("/proc/1/environ", O_RDONLY),
        ("/opt/gcloud/application_default_credentials.json", O_RDONLY),
        ("/app/.hidden", O_WRONLY | O_CREAT),
        (f"{SITE}/openai/__init__.py", O_RDONLY),
        (f"{SITE}/openai/__pycache__/_client.cpython-311.pyc", O_RDONLY),
        (f"{SITE}/pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so", O_RDONLY),
        ("/usr/lib/python3/dist-packages/yaml/__init__.py", O_RDONLY),
    ],
)
def test_kept(path: str, flags: int) -> None:
    assert keeps_open(path, flags)


@pytest.mark.parametrize(
    ("path", "flags"),
    [
        ("/etc/ld.so.cache", O_RDONLY),
        ("/etc/passwd", O_RDONLY),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY),
        ("/usr/bin/curl", O_RDONLY),
        ("/usr/lib/python3.11/json/__init__.py", O_RDONLY),  # the standard library is no package
        ("/app/main.py", O_RDONLY),
        ("/var/log/app.log", O_WRONLY),
        ("/app/.hidden", O_RDONLY),  # read, not created
        ("/tmp/notes.txt", O_RDONLY),  # scratch space: only reads of models
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/json/__init__.py", O_RDONLY),  # a home's standard library
        ("/app/environment.txt", O_RDONLY),
        (f"{SITE}/openai/py.typed", O_RDONLY),
    ],
)
def test_dropped(path: str, flags: int) -> None:
    assert not keeps_open(path, flags)


# ------------------------------------------------------------------ the kernel conditions, evaluated in Python


def _words(data: bytes, count: int) -> list[int]:
    padded = data.ljust(8 * count, b"\0")
    return [int.from_bytes(padded[i * 8 : i * 8 + 8], "little") for i in range(count)]


def _python(condition: str) -> str:
    """A bpftrace condition made by :mod:`filters` as a Python expression (same precedence: all parenthesised)."""
    text = re.sub(r"\*\(uint64 \*\)\((\$\w+) \+ (\d+)\)", r"word(\1, \2)", condition)
    return "(" + text.replace("&&", " and ").replace("||", " or ").replace("$", "") + ")"


def _word(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset : offset + 8].ljust(8, b"\0"), "little")


def kernel_keeps_name(name: str, flags: int) -> bool:
    data = name.encode()
    values = {"nm": data, "nl": len(data), "w": _word(data, 0), "flags": flags, "word": _word}
    return bool(eval(_python(filters.name_rules()), values))


def kernel_prefix(path: str, prefix: str, *, exact: bool = False) -> bool:
    w0, w1, w2 = _words((path + "\0").encode(), 3)
    return bool(eval(_python(filters.path_test(prefix, exact=exact)), {"w0": w0, "w1": w1, "w2": w2}))


@pytest.mark.parametrize(
    ("name", "flags", "kept"),
    [
        (".env", 0, True),
        (".env.local", 0, True),
        (".envrc", 0, True),
        ("env", 0, False),
        ("credentials", 0, True),
        ("credential", 0, False),
        ("credentialsx", 0, False),
        ("credentials.json", 0, True),
        ("application_default_credentials.json", 0, True),
        ("application_default_credentials.yaml", 0, False),
        (".netrc", 0, True),
        (".pgpass", 0, True),
        ("environ", 0, True),
        ("environment", 0, False),
        (".bashrc", O_CREAT, True),
        (".bashrc", 0, False),
    ],
)
def test_kernel_name_rules_agree_with_the_lists(name: str, flags: int, kept: bool) -> None:
    assert kernel_keeps_name(name, flags) is kept
    assert keeps_open(f"/srv/app/{name}", flags) is kept


@pytest.mark.parametrize(
    ("path", "prefix", "exact", "matches"),
    [
        ("/etc/shadow", "/etc/", False, True),
        ("/etcx/shadow", "/etc/", False, False),
        ("/var/run/secrets/kubernetes.io/token", "/var/run/secrets/", False, True),
        ("/var/run/secret/x", "/var/run/secrets/", False, False),
        ("/etc/nsswitch.conf", "/etc/nsswitch.conf", True, True),
        ("/etc/nsswitch.conf.bak", "/etc/nsswitch.conf", True, False),
        ("/etc/hosts", "/etc/hosts", True, True),
        ("/etc/hostsx", "/etc/hosts", True, False),
        ("/lib64/ld-linux-x86-64.so.2", "/lib", False, True),
    ],
)
def test_kernel_path_tests(path: str, prefix: str, exact: bool, matches: bool) -> None:
    assert kernel_prefix(path, prefix, exact=exact) is matches


def test_every_listed_prefix_fits_the_words_the_kernel_reads() -> None:
    prefixes = (*filters.KEEP_PREFIXES, *filters.HOME_PREFIXES, *filters.SCRATCH_PREFIXES, *filters.WRITE_PREFIXES)
    for text in (*prefixes, *filters.QUIET_READS):
        assert len(text.encode()) + 1 <= 8 * filters.PATH_WORDS, text
    with pytest.raises(ValueError, match="longer than"):
        filters.path_test("/a/path/that/is/far/too/long/for/three/words/")


def _end(name: str) -> int:
    """The name's last 8 bytes as the kernel program reads them (its last byte the highest)."""
    return int.from_bytes(name.encode()[-8:].rjust(8, b"\0"), "little")


@pytest.mark.parametrize(
    ("name", "python"),
    [("a.py", True), ("x.cpython-311.pyc", True), ("m.cpython-311-x86_64-linux-gnu.so", True), ("a.pyi", False)],
)
def test_kernel_package_suffixes(name: str, python: bool) -> None:
    condition = filters.suffix_test(filters.PACKAGE_SUFFIXES)
    assert bool(eval(_python(condition), {"end": _end(name)})) is python


@pytest.mark.parametrize(
    ("name", "model"),
    [("model.safetensors", True), ("w.bin", True), ("q.gguf", True), ("a.pt", True), ("x.h5", True), ("n.txt", False)],
)
def test_kernel_model_suffixes(name: str, model: bool) -> None:
    condition = filters.suffix_test(filters.MODEL_SUFFIXES)
    assert bool(eval(_python(condition), {"end": _end(name)})) is model
    assert keeps_open(f"/tmp/{name}", O_RDONLY) is model


@pytest.mark.parametrize(("name", "package"), [("site-packages", True), ("dist-packages", True), ("packages", False)])
def test_kernel_package_directories(name: str, package: bool) -> None:
    data = name.encode()
    values = {"pn": data, "pl": len(data), "w": _word(data, 0), "word": _word}
    assert bool(eval(_python(filters.package_dirs()), values)) is package


@pytest.mark.parametrize(
    ("name", "top"), [("etc", True), ("root", True), ("home", True), ("rootfs", False), ("tmp", False)]
)
def test_kernel_relative_tops(name: str, top: bool) -> None:
    data = name.encode()
    values = {"tl": len(data), "h": _word(data, 0)}
    assert bool(eval(_python(filters.relative_tops()), values)) is top


@pytest.mark.parametrize(
    ("path", "flags", "rule"),
    [
        ("../x", O_RDONLY, filters.PATH_RELATIVE),
        ("/etc/ld.so.cache", O_RDONLY, 0),
        ("/etc/ld.so.cache", O_WRONLY, filters.PATH_KEEP),
        ("/home/a/x.py", O_RDONLY, filters.PATH_HOME),
        ("/home/a/x.py", O_WRONLY, filters.PATH_KEEP),
        ("/dev/shm/x", O_RDONLY, filters.PATH_SCRATCH),
        ("/usr/lib/x", O_RDONLY, 0),
    ],
)
def test_path_rule(path: str, flags: int, rule: int) -> None:
    assert filters.path_rule(path, flags) == rule
