"""Which file opens the sensor keeps: the rules as data, their bpftrace form, and the same test in Python.

Most opens are of libraries, locales and caches no rule looks at; they are dropped in the kernel so that a busy
host does not flood the sensor. The kernel programs cannot afford string functions on every open (the verifier
rejects long chains of ``strncmp``), so the rules are compiled here into comparisons of 64-bit words: the path's
first 24 bytes (read from user memory at ``sys_enter_open*``) against prefixes, and the opened file's name
(``d_name`` of its dentry at ``sys_exit_open*``) against names and suffixes. The fallback applies
:func:`keeps_open` to what it finds in ``/proc``, so both keep the same kinds of files.

The path rules decide first (:func:`path_rule`); what they leave open is decided on the file name:

1. below :data:`KEEP_PREFIXES`: kept (but reads of :data:`QUIET_READS`);
2. below :data:`HOME_PREFIXES`: kept, but reads of Python modules outside a package directory;
3. below :data:`SCRATCH_PREFIXES`: writes kept, and reads of model files (:data:`MODEL_SUFFIXES`);
4. writes below :data:`WRITE_PREFIXES`: kept;
5. anywhere: :data:`KEEP_NAMES`, names starting with :data:`KEEP_NAME_PREFIXES`, hidden files created, and Python
   modules (:data:`PACKAGE_SUFFIXES`) below a :data:`PACKAGE_DIRS` directory;
6. relative paths: also kept when the file lies below one of :data:`RELATIVE_TOPS`.
"""

from __future__ import annotations

from collections.abc import Callable

WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000
"""O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: an open that may change the file."""
O_CREAT = 0o100

KEEP_PREFIXES = ("/etc/", "/run/secrets/", "/var/run/secrets/")
"""Opens below these are kept: the system's configuration and credentials, mounted Kubernetes secrets and service
account tokens."""

QUIET_READS = (
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/resolv.conf",
    "/etc/gai.conf",
    "/etc/hosts",
    "/etc/passwd",
    "/etc/group",
)
"""Files below /etc that nearly every program reads (the loader, the C library's name services): their reads
are dropped, their writes kept."""

HOME_PREFIXES = ("/root/", "/home/")
"""Opens below home directories are kept (credential files, shell histories, SSH keys), except reads of Python
modules outside a package directory: a Python installed in a home (pyenv) reads its standard library there."""

SCRATCH_PREFIXES = ("/tmp/", "/var/tmp/", "/dev/shm/")
"""Scratch space, where intruders drop tools and homes and models are downloaded to: writes are kept, and reads of
model files."""

MODEL_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".gguf",
    ".ggml",
    ".onnx",
    ".pkl",
    ".pickle",
    ".ckpt",
    ".joblib",
    ".h5",
    ".keras",
)
"""Model and weight files."""

WRITE_PREFIXES = ("/bin/", "/sbin/", "/usr/", "/lib", "/boot/", "/opt/", "/var/spool/cron/")
"""Writes (not reads) below these are kept: binaries and libraries replaced, packages installed, cron jobs."""

KEEP_NAMES = (
    "credentials",
    "credentials.json",
    "application_default_credentials.json",
    ".netrc",
    ".pgpass",
    "environ",
)
"""File names kept wherever the file is (cloud and LLM provider credentials, ``/proc/PID/environ``)."""

KEEP_NAME_PREFIXES = (".env",)
"""File names starting with these are kept wherever the file is (``.env``, ``.env.local``…)."""

PACKAGE_SUFFIXES = (".py", ".pyc", ".so")
PACKAGE_DIRS = ("site-packages", "dist-packages")
"""Python modules and extensions are kept when a parent directory is one of these (the packages in use)."""

RELATIVE_TOPS = ("etc", "root", "home")
"""A relative path is also kept when the file lies below one of these top directories (``cd /etc; cat shadow``)."""

PATH_WORDS = 3
"""Words of the path read at ``sys_enter_open*``: prefixes and quiet reads are at most 24 bytes long."""

SUFFIX_BYTES = 8
"""Bytes of a file name's end the kernel compares suffixes with (``.safetensors`` is told by ``etensors``)."""

PATH_KEEP, PATH_RELATIVE, PATH_HOME, PATH_SCRATCH = 1, 2, 3, 4
"""What the path rules decide at ``sys_enter_open*`` (0: nothing, the file name decides)."""


def path_rule(path: str, flags: int) -> int:
    """The decision of the path rules on the path as given."""
    write = bool(flags & WRITE_FLAGS)
    if not path.startswith("/"):
        return PATH_RELATIVE
    if path.startswith(KEEP_PREFIXES):
        return PATH_KEEP if write or path not in QUIET_READS else 0
    if path.startswith(HOME_PREFIXES):
        return PATH_KEEP if write else PATH_HOME
    if path.startswith(SCRATCH_PREFIXES):
        return PATH_KEEP if write else PATH_SCRATCH
    return PATH_KEEP if write and path.startswith(WRITE_PREFIXES) else 0


def _ends_with(name: str, suffixes: tuple[str, ...]) -> bool:
    """``name`` ends with one of ``suffixes``, as the kernel tells (on the last :data:`SUFFIX_BYTES` bytes)."""
    end = name.encode()[-SUFFIX_BYTES:]
    return any(end.endswith(suffix.encode()[-SUFFIX_BYTES:]) for suffix in suffixes)


def keeps_open(path: str, flags: int) -> bool:
    """Whether the sensor keeps an open of ``path`` (absolute) with ``flags`` — the kernel filter, in Python."""
    rule = path_rule(path, flags)
    if rule == PATH_KEEP:
        return True
    name = path.rsplit("/", 1)[-1]
    if name in KEEP_NAMES or name.startswith(KEEP_NAME_PREFIXES) or (flags & O_CREAT and name.startswith(".")):
        return True
    python = _ends_with(name, PACKAGE_SUFFIXES)
    if (rule == PATH_HOME and not python) or (rule == PATH_SCRATCH and _ends_with(name, MODEL_SUFFIXES)):
        return True
    return python and any(part in PACKAGE_DIRS for part in path.split("/")[:-1])


# ---------------------------------------------------------------------------------------------- bpftrace


def _compare(words: list[str], data: bytes) -> str:
    """``words[i]`` (bpftrace expressions of the i-th little-endian word) hold ``data`` at their start."""
    parts = []
    for index, word in enumerate(words):
        chunk = data[index * 8 : index * 8 + 8]
        if not chunk:
            break
        value, mask = int.from_bytes(chunk, "little"), (1 << (8 * len(chunk))) - 1
        left = word if len(chunk) == 8 else f"({word} & {mask:#x})"
        parts.append(f"{left} == {value:#x}")
    return " && ".join(parts)


def path_test(prefix: str, *, exact: bool = False) -> str:
    """The bpftrace condition: the path's words ``$w0``… start with ``prefix`` (are ``prefix`` when ``exact``)."""
    data = prefix.encode() + (b"\0" if exact else b"")
    if len(data) > 8 * PATH_WORDS:
        raise ValueError(f"{prefix!r} is longer than the {8 * PATH_WORDS} bytes the sensor reads")
    return f"({_compare([f'$w{i}' for i in range(PATH_WORDS)], data)})"


def path_rules() -> str:
    """The bpftrace statements that set ``$rule`` (see :func:`path_rule`) from ``$w0``… and ``$flags``."""

    def any_of(prefixes: tuple[str, ...], indent: str = "    ", *, exact: bool = False) -> str:
        return f" ||\n{indent}".join(path_test(prefix, exact=exact) for prefix in prefixes)

    write = f"($flags & {WRITE_FLAGS:#x}) != 0"
    return f"""$rule = 0;
if (($w0 & 0xff) != 0x2f) {{
  $rule = {PATH_RELATIVE};
}} else if (
    {any_of(KEEP_PREFIXES)}) {{
  $rule = {PATH_KEEP};
  if (!({write}) && (
      {any_of(QUIET_READS, "      ", exact=True)})) {{
    $rule = 0;
  }}
}} else if (
    {any_of(HOME_PREFIXES)}) {{
  $rule = {write} ? {PATH_KEEP} : {PATH_HOME};
}} else if (
    {any_of(SCRATCH_PREFIXES)}) {{
  $rule = {write} ? {PATH_KEEP} : {PATH_SCRATCH};
}} else if ({write} && (
    {any_of(WRITE_PREFIXES)})) {{
  $rule = {PATH_KEEP};
}}"""


def _name_test(name: str, *, prefix: bool = False) -> str:
    data = name.encode()
    words = [f"*(uint64 *)($nm + {8 * i})" if i else "$w" for i in range((len(data) + 7) // 8)]
    length = f"$nl >= {len(data)}" if prefix else f"$nl == {len(data)}"
    return f"({length} && {_compare(words, data)})"


def name_rules() -> str:
    """The bpftrace condition on the opened file's name (``$nm`` its address, ``$nl`` its length, ``$w`` its first
    word, ``$flags`` the open flags) that keeps it wherever it is."""
    tests = [_name_test(name) for name in KEEP_NAMES]
    tests += [_name_test(prefix, prefix=True) for prefix in KEEP_NAME_PREFIXES]
    tests.append(f"(($flags & {O_CREAT:#x}) != 0 && ($w & 0xff) == 0x2e)")
    return " ||\n      ".join(tests)


def suffix_test(suffixes: tuple[str, ...]) -> str:
    """The bpftrace condition: ``$end`` (the name's last 8 bytes as a word: its last byte is the highest) ends with
    one of ``suffixes``."""
    tests = []
    for suffix in suffixes:
        data = suffix.encode()[-SUFFIX_BYTES:]
        shift = 8 * (SUFFIX_BYTES - len(data))
        value = int.from_bytes(data, "little")
        tests.append(f"($end >> {shift}) == {value:#x}" if shift else f"$end == {value:#x}")
    return "(" + " || ".join(tests) + ")"


def package_dirs() -> str:
    """The bpftrace condition: a parent directory (``$pn`` its name's address, ``$pl`` its length, ``$w`` its first
    word) is a package directory."""
    tests = []
    for name in PACKAGE_DIRS:
        data = name.encode()
        first, rest = int.from_bytes(data[:8], "little"), int.from_bytes(data[-8:], "little")
        tests.append(f"($pl == {len(data)} && $w == {first:#x} && *(uint64 *)($pn + {len(data) - 8}) == {rest:#x})")
    return "(" + " || ".join(tests) + ")"


def relative_tops() -> str:
    """The bpftrace condition on the top directory of a relative path (``$tl`` its name's length, ``$h`` its first
    word)."""
    return (
        "(" + " || ".join(f"($tl == {len(name)} && {_compare(['$h'], name.encode())})" for name in RELATIVE_TOPS) + ")"
    )


PLACEHOLDERS: dict[str, Callable[[], str]] = {
    "@NAME_RULES@": name_rules,
    "@PACKAGE_SUFFIXES@": lambda: suffix_test(PACKAGE_SUFFIXES),
    "@MODEL_SUFFIXES@": lambda: suffix_test(MODEL_SUFFIXES),
    "@PACKAGE_DIRS@": package_dirs,
    "@RELATIVE_TOPS@": relative_tops,
    "@PATH_HOME@": lambda: str(PATH_HOME),
    "@PATH_SCRATCH@": lambda: str(PATH_SCRATCH),
    "@PATH_RELATIVE@": lambda: str(PATH_RELATIVE),
    "@PATH_KEEP@": lambda: str(PATH_KEEP),
}
"""The conditions pasted into ``bpf/sensor.bt`` in place of their placeholders (``@PATH_RULES@`` is a statement)."""
