"""Regenerate the openai-app demo's container image: an OCI image layout under ``image/``.

    python examples/openai-app/build_image.py [--samples DIR] [--out DIR]

The image is ``openai-app:1.4.2`` as the app's CI pushed it to ECR a week before the attack, reduced to what
jackwatch reads: three gzip layers (a Debian base with only ``/etc/os-release``; the ``*.dist-info`` metadata
of the nine Python distributions ``pip install`` put in site-packages, copied from the real wheels of
``pypi-dist-info-samples``, no package code; the app's ``main.py``) and a configuration whose ``Env`` keeps the
app's keys in plain sight, as its Dockerfile's ``ENV`` lines wrote them (so they are in the build history too):

- the AWS key pair of the IAM user ``openai-app-bedrock``: the access key id the thief uses in the CloudTrail
  trace, and the made-up secret access key the second buyer pastes into a prompt in the invocation logs (read
  from the committed logs, so the leaked key and the pasted one have the same fingerprint);
- an OpenAI project key, made up from a seeded generator, in OpenAI's format, with ``jackwatchDemoNotARealKey``
  in its middle.

The output is deterministic: members sorted, fixed times and owners, gzip written with a fixed header, JSON
compact, so the same inputs always give the same bytes and digests. ``README.md`` tells the story.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import shutil
import struct
import tarfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from random import Random
from typing import Any

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[1].parent / "shared" / "datasets" / "pypi-dist-info-samples"
"""The dataset beside the checkout (``../shared/datasets``)."""
IMAGE = "image"
SEED = 20250602

REPOSITORY = "123456789012.dkr.ecr.us-east-1.amazonaws.com/openai-app"
TAG = "1.4.2"
CREATED = "2025-06-02T09:14:27Z"
BUILT = 1748855667  # CREATED as a Unix time: the mtime of every member
BASE_CREATED = "2025-05-12T00:00:00Z"
SITE_PACKAGES = "usr/local/lib/python3.11/site-packages"
APP_DIR = "srv/app"
MODEL = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
PINNED = (
    "aiohttp==3.9.1",
    "fastapi==0.109.0",
    "gradio==3.50.2",
    "langchain==0.0.171",
    "langchain-experimental==0.0.14",
    "llama-index==0.9.34",
    "mlflow==2.9.2",
    "Pillow==10.0.0",
    "transformers==4.36.2",
)
"""What the Dockerfile's ``pip install`` asks for: the releases of the samples."""

OCI_LAYOUT = b'{"imageLayoutVersion":"1.0.0"}'
INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""
MAIN_PY = '''"""openai-app: the shop's support chat, answered by Claude on Amazon Bedrock (OpenAI as the fallback)."""

import os

import boto3
from fastapi import FastAPI
from langchain.chat_models import ChatOpenAI

app = FastAPI()
bedrock = boto3.client("bedrock-runtime", region_name=os.environ["AWS_DEFAULT_REGION"])
fallback = ChatOpenAI(openai_api_key=os.environ["OPENAI_API_KEY"])


@app.post("/chat")
def chat(question: str) -> dict[str, str]:
    reply = bedrock.converse(
        modelId=os.environ["BEDROCK_MODEL_ID"],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
    return {"answer": reply["output"]["message"]["content"][0]["text"]}
'''
NOTICE_HEAD = """openai-app demo image (OCI image layout), written by examples/openai-app/build_image.py

Layer 2 holds, under /usr/local/lib/python3.11/site-packages, the *.dist-info metadata directories of the
pypi-dist-info-samples dataset, unchanged (file modes and times normalised). Its notice follows; each
dist-info directory stays under the license of its package (its LICENSE files or the License field of its
METADATA). Everything else in the image (os-release, main.py, the configuration) is written by the script;
the keys in the configuration are made up and were never issued.

--- pypi-dist-info-samples/NOTICE ---
"""

_URL_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_PASTED_SECRET = re.compile(r'aws_secret_access_key="(?P<secret>[A-Za-z0-9/+]{40})"')


def openai_key(rng: Random) -> str:
    """A made-up OpenAI project key: ``sk-proj-`` + 156 characters with OpenAI's ``T3BlbkFJ`` mark, and a
    ``jackwatchDemoNotARealKey`` anyone reading it sees."""

    def draw(size: int) -> str:
        return "".join(rng.choice(_URL_SAFE) for _ in range(size))

    return f"sk-proj-{draw(25)}jackwatchDemoNotARealKey{draw(25)}T3BlbkFJ{draw(74)}"


def stolen_key_pair(demo: Path) -> tuple[str, str]:
    """(access key id, secret access key) of the key the second buyer pastes into a prompt: the manifest of the
    invocation logs names the call, its log record holds the pair."""
    manifest = json.loads((demo / "expected" / "bedrock-billing.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["expected"] if e["rule_id"] == "aws.bedrock.secrets_in_prompt")
    key_id, request_id = entry["secret"]["access_key_id"], entry["request_id"]
    for path in sorted((demo / "bedrock-invocations").rglob("*.json.gz")):
        for line in _gunzip(path.read_bytes()).splitlines():
            record = json.loads(line)
            if record["requestId"] == request_id:
                found = _PASTED_SECRET.search("\n".join(_strings(record["input"]["inputBodyJson"])))
                if found is None:
                    raise SystemExit(f"{path}: the prompt of {request_id} holds no secret access key")
                return key_id, found["secret"]
    raise SystemExit(f"no invocation log record {request_id} under {demo / 'bedrock-invocations'}")


def environment(key_id: str, secret: str, openai: str) -> tuple[str, ...]:
    """The configuration's ``Env``, in Dockerfile order."""
    return (
        "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C.UTF-8",
        "PYTHON_VERSION=3.11.9",
        "AWS_DEFAULT_REGION=us-east-1",
        f"AWS_ACCESS_KEY_ID={key_id}",
        f"AWS_SECRET_ACCESS_KEY={secret}",
        f"BEDROCK_MODEL_ID={MODEL}",
        f"OPENAI_API_KEY={openai}",
    )


def layer(files: dict[str, bytes]) -> bytes:
    """An uncompressed PAX layer of ``files`` (path → content) and their directories, sorted, owned by root."""
    directories = {"/".join(path.split("/")[:depth]) for path in files for depth in range(1, path.count("/") + 1)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(directories | set(files)):
            info = tarfile.TarInfo(name)
            info.mtime, info.uname, info.gname = BUILT, "root", "root"
            if name in files:
                info.size, info.mode = len(files[name]), 0o644
                archive.addfile(info, io.BytesIO(files[name]))
            else:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """``data`` as a gzip member with a fixed header (no name, time 0, OS unknown): the same bytes on every
    platform for a given zlib."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = compressor.compress(data) + compressor.flush()
    trailer = struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + trailer


def digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def compact(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def sample_files(samples: Path) -> dict[str, bytes]:
    """Every file of the samples' dist-info directories, at its path in the image."""
    top = samples / "site-packages"
    return {
        f"{SITE_PACKAGES}/{path.relative_to(top).as_posix()}": path.read_bytes()
        for path in sorted(top.rglob("*"))
        if path.is_file()
    }


def history(key_id: str, secret: str, openai: str) -> list[dict[str, Any]]:
    """The build history as BuildKit writes it: one entry per Dockerfile step, ``empty_layer`` for metadata; the
    steps that are not empty made the three layers, in order."""

    def step(created_by: str, *, empty: bool = True) -> dict[str, Any]:
        entry: dict[str, Any] = {"created": CREATED, "created_by": created_by, "comment": "buildkit.dockerfile.v0"}
        if empty:
            entry["empty_layer"] = True
        return entry

    return [
        {
            "created": BASE_CREATED,
            "created_by": "# debian.sh --arch 'amd64' out/ 'bookworm' '@1715472000'",
            "comment": "debuerreotype 0.15",
        },
        step("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        step("ENV LANG=C.UTF-8"),
        step("ENV PYTHON_VERSION=3.11.9"),
        step("WORKDIR /srv/app"),
        step(f"RUN /bin/sh -c pip install --no-cache-dir {' '.join(PINNED)} # buildkit", empty=False),
        step(f"ENV AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}"),
        step(f"ENV BEDROCK_MODEL_ID={MODEL} OPENAI_API_KEY={openai}"),
        step("COPY main.py . # buildkit", empty=False),
        step("EXPOSE map[8000/tcp:{}]"),
        step('CMD ["uvicorn" "main:app" "--host" "0.0.0.0" "--port" "8000"]'),
    ]


def build_image(samples: Path, demo: Path, seed: int = SEED) -> dict[str, bytes]:
    """Every file of the image layout, by path (``index.json``, ``blobs/sha256/…``, ``NOTICE``…)."""
    key_id, secret = stolen_key_pair(demo)
    openai = openai_key(Random(seed))
    tars = [
        layer({"etc/os-release": OS_RELEASE.encode()}),
        layer(sample_files(samples)),
        layer({f"{APP_DIR}/main.py": MAIN_PY.encode()}),
    ]
    blobs = [gzip_bytes(data) for data in tars]
    diff_ids = [digest(data) for data in tars]
    config = compact(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": CREATED,
            "config": {
                "Env": list(environment(key_id, secret, openai)),
                "Cmd": ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"],
                "WorkingDir": "/srv/app",
                "ExposedPorts": {"8000/tcp": {}},
                "Labels": {
                    "org.opencontainers.image.title": "openai-app",
                    "org.opencontainers.image.version": TAG,
                    "org.opencontainers.image.source": "https://github.com/acme/openai-app",
                },
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history(key_id, secret, openai),
        }
    )
    manifest = compact(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": digest(config), "size": len(config)},
            "layers": [{"mediaType": LAYER, "digest": digest(blob), "size": len(blob)} for blob in blobs],
            "annotations": {"org.opencontainers.image.created": CREATED},
        }
    )
    index = compact(
        {
            "schemaVersion": 2,
            "mediaType": INDEX,
            "manifests": [
                {
                    "mediaType": MANIFEST,
                    "digest": digest(manifest),
                    "size": len(manifest),
                    "annotations": {
                        "io.containerd.image.name": f"{REPOSITORY}:{TAG}",
                        "org.opencontainers.image.ref.name": TAG,
                    },
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
        }
    )
    files = {"oci-layout": OCI_LAYOUT, "index.json": index}
    for blob in (config, manifest, *blobs):
        files[f"blobs/sha256/{digest(blob).removeprefix('sha256:')}"] = blob
    files["NOTICE"] = NOTICE_HEAD.encode() + (samples / "NOTICE").read_bytes()
    return files


def write(files: dict[str, bytes], out: Path) -> Path:
    """Replace ``out/image`` with ``files``; the directory written."""
    target = out / IMAGE
    if target.exists():
        shutil.rmtree(target)
    for name, data in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _gunzip(data: bytes) -> bytes:
    return zlib.decompress(data, 16 + zlib.MAX_WBITS)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="the pypi-dist-info-samples dataset")
    parser.add_argument("--out", type=Path, default=HERE, help="output directory (image/ is written in it)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if not (args.samples / "site-packages").is_dir():
        parser.error(f"no dist-info samples at {args.samples}: pass --samples DIR")
    files = build_image(args.samples, HERE, args.seed)
    target = write(files, args.out)
    print(f"wrote {len(files)} files ({sum(map(len, files.values()))} bytes) under {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
