"""The compiled reader of Bedrock invocation log lines makes exactly the events the Python reader makes.

``FORMAT.read_lines`` (``jackwatch-native``, Rust) reads each line of JSON Lines into its compact event in one pass,
or hands the line back to be read by the Python reader. Whatever event it makes must be the Python reader's:
the same source, name, time, id, origin, record kept without its bodies (equal, with the same types and key
order) and memo (token counts, guardrail outcome, prompt length, secrets). Records are generated in the shapes
Bedrock logs (Anthropic messages, Converse, Titan, Llama; whole and streamed), with the odd values, duplicated
keys, escapes and formats a log may hold; every unusual line listed in the reader's contract goes to the Python
reader, which still reads or reports it; and a whole file reads the same with the compiled reader as without.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from tests.unit.secrets.samples import SAMPLES
from tests.unit.sources.bedrock_invocation.invocations import START, make_record

IN_CI = os.environ.get("CI") == "true"
if IN_CI:
    import jackwatch_native  # noqa: F401  CI always builds the compiled reader: its absence must fail loudly
else:
    pytest.importorskip("jackwatch_native")

import jackwatch.sources.bedrock_invocation as invocation_source  # noqa: E402
from jackwatch.model import Event  # noqa: E402
from jackwatch.sources.bedrock_invocation import read_bedrock_invocation  # noqa: E402
from jackwatch.sources.bedrock_invocation.bodies import compact  # noqa: E402
from jackwatch.sources.bedrock_invocation.records import FORMAT, WRAPPER, to_event  # noqa: E402
from jackwatch.sources.bedrock_invocation.tokens import MEMO_KEY, token_counts  # noqa: E402
from jackwatch.sources.reading.context import ReadOptions  # noqa: E402
from jackwatch.sources.reading.records import ReadLines, RecordError  # noqa: E402
from jackwatch.sources.stats import ReadStats  # noqa: E402

if FORMAT.read_lines is None:
    if IN_CI:
        pytest.fail("jackwatch_native is installed but FORMAT.read_lines is None (JACKWATCH_NATIVE=0?)", pytrace=False)
    pytest.skip("the compiled reader is turned off (JACKWATCH_NATIVE=0)", allow_module_level=True)

READ_LINES: ReadLines = FORMAT.read_lines
ORIGIN = "s3://acme-bedrock-logs/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/05/15/14/a.json.gz"
_DECODE = msgspec.json.Decoder().decode


# --- the two readers, and what must be equal ----------------------------------------------------------------------


def python_event(line: bytes, origin: str = ORIGIN) -> Event | None:
    """The compact event the Python reader makes of a JSON Lines line holding one record, ``None`` when it makes
    none (not JSON, not one record, a bad record): the line is decoded as the reader decodes it (msgspec, orjson
    for what msgspec refuses), made an event, its token counts kept in its memo, and compacted."""
    try:
        raw = _DECODE(line)
    except ValueError:
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(raw, dict) or WRAPPER in raw:
        return None
    try:
        made = to_event(raw, origin)
    except RecordError:
        return None
    made.memo[MEMO_KEY] = token_counts(made.raw)
    return compact(made)


def described(value: object) -> object:
    """``value`` with every type and key order spelt out, so that ``==`` tells ``1`` from ``1.0`` and ``True``,
    and ``{"a": 1, "b": 2}`` from ``{"b": 2, "a": 1}``."""
    if isinstance(value, dict):
        return ("object", [(described(key), described(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [described(item) for item in value])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [(field.name, described(getattr(value, field.name))) for field in dataclasses.fields(value)]
        return (type(value).__name__, fields)
    return (type(value).__name__, value)


def assert_same_event(native: Event, python: Event) -> None:
    """The compiled reader's event is the Python reader's, field by field, key order and types included."""
    for name in ("source", "name", "id", "origin"):
        assert getattr(native, name) == getattr(python, name), name
    assert native.time == python.time and native.time.utcoffset() == python.time.utcoffset() == timedelta(0)
    assert native.raw == python.raw
    assert described(native.raw) == described(python.raw)
    assert native.memo == python.memo
    assert described(native.memo) == described(python.memo)


def compiled_events(lines: list[bytes], *, complete: bool = True) -> list[Event | None]:
    """The compiled reader's event of each line of ``lines`` read as one piece of JSON Lines, ``None`` for a line
    it leaves to the Python reader (which it hands back as it was, for the Python reader to parse)."""
    made = READ_LINES(b"\n".join(lines), ORIGIN, complete)
    assert len(made) == len(lines)
    for line, native in zip(lines, made, strict=True):
        assert isinstance(native, Event) or native == line
    return [native if isinstance(native, Event) else None for native in made]


def assert_reads_alike(lines: list[bytes]) -> list[Event | None]:
    """Read ``lines`` with the compiled reader; every event it makes is the Python reader's. Returns its events."""
    made = compiled_events(lines)
    for line, native in zip(lines, made, strict=True):
        if native is None:
            continue
        python = python_event(line)
        assert python is not None, f"the compiled reader made an event of a line the Python reader rejects: {line!r}"
        try:
            assert_same_event(native, python)
        except AssertionError as difference:
            raise AssertionError(f"the readers differ on the line {line!r}") from difference
    return made


# --- JSON text as a log may hold it: any key order, keys written twice, numbers written oddly --------------------


class Verbatim(str):
    """A JSON number written as it is (``12.0``, ``-0``, ``1e2``), not as Python would write it."""


@dataclasses.dataclass
class Pairs:
    """A JSON object as the pairs written in its text: in any order, a key possibly written twice."""

    items: list[tuple[str, Any]]


@dataclasses.dataclass(frozen=True)
class Style:
    """How a line is written: ``\\u`` escapes for non-ASCII, separators, escaped keys, blanks around it."""

    ensure_ascii: bool
    item_separator: str
    key_separator: str
    escaped_keys: bool
    around: tuple[bytes, bytes]


def as_pairs(value: Any, rng: random.Random, shuffle: bool) -> Any:
    """``value`` with its objects as :class:`Pairs`, their keys shuffled when ``shuffle`` (each object by chance)."""
    if isinstance(value, dict):
        items = [(key, as_pairs(item, rng, shuffle)) for key, item in value.items()]
        if shuffle and rng.random() < 0.5:
            rng.shuffle(items)
        return Pairs(items)
    if isinstance(value, list):
        return [as_pairs(item, rng, shuffle) for item in value]
    return value


def objects_in(value: Any) -> Iterator[Pairs]:
    """Every object of a value made of :class:`Pairs`, in document order."""
    if isinstance(value, Pairs):
        yield value
        for _, item in value.items:
            yield from objects_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from objects_in(item)


def write_key_twice(tree: Pairs, rng: random.Random) -> None:
    """Write a key of some object of ``tree`` a second time, with its own value, another value or ``null``."""
    holders = [found for found in objects_in(tree) if found.items]
    holder = rng.choice(holders)
    key, value = rng.choice(holder.items)
    again = rng.choice([value, None, "again", 7, Pairs([("text", "written twice")])])
    holder.items.insert(rng.randrange(len(holder.items) + 1), (key, again))


def written(value: Any, style: Style) -> str:
    """The JSON text of a value made of :class:`Pairs`, lists, :class:`Verbatim` numbers and scalars."""
    if isinstance(value, Verbatim):
        return str(value)
    if isinstance(value, Pairs):
        members = (written_key(key, style) + style.key_separator + written(item, style) for key, item in value.items)
        return "{" + style.item_separator.join(members) + "}"
    if isinstance(value, list):
        return "[" + style.item_separator.join(written(item, style) for item in value) + "]"
    return json.dumps(value, ensure_ascii=style.ensure_ascii)


def written_key(key: str, style: Style) -> str:
    """A key's JSON text; with ``escaped_keys``, its first character as a ``\\u`` escape (``"\\u0069nput"``)."""
    if style.escaped_keys and key:
        return f'"\\u{ord(key[0]):04x}' + json.dumps(key[1:], ensure_ascii=style.ensure_ascii)[1:]
    return json.dumps(key, ensure_ascii=style.ensure_ascii)


def json_line(record: dict[str, Any], style: Style, rng: random.Random, *, shuffle: bool, twice: int) -> bytes:
    """The JSON Lines line of ``record``: written in ``style``, keys shuffled, ``twice`` keys written twice."""
    tree = as_pairs(record, rng, shuffle)
    for _ in range(twice):
        write_key_twice(tree, rng)
    before, after = style.around
    return before + written(tree, style).encode() + after


STYLES = st.builds(
    Style,
    ensure_ascii=st.booleans(),
    item_separator=st.sampled_from([",", ", "]),
    key_separator=st.sampled_from([":", ": "]),
    escaped_keys=st.sampled_from([False, False, False, True]),
    around=st.sampled_from([(b"", b""), (b"", b"\r"), (b"  ", b" \t")]),
)


# --- what a call says: text, secrets, binary data ------------------------------------------------------------------

ABSENT: Any = object()
"""A key left out of the record."""

SENTENCES = (
    "Summarise the attached incident report in three bullet points.",
    "Translate to French: the parcel left the depot on Monday.",
    "Café crème, s'il vous plaît — merci 😀",
    'Line one\nLine two\twith a tab and a "quoted" word, a back\\slash and a /slash/',
    "日本語で答えてください。",
    "Ünïcödé ıs everywhere: Straße, ǅ, Ⅻ, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u2028separators\u2029 and a NEL\x85 and a no-break\xa0space",
    "",
)
TRICKY = 'ab Z\n\t\r"\\/é😀ı\u2028\x00\x1f\x7f\x85\xa0\u3000-_+=0123456789'
"""Characters JSON escapes, or Unicode and Python treat apart (whitespace, case)."""
TEXTS = st.one_of(st.sampled_from(SENTENCES), st.text(max_size=40), st.text(alphabet=TRICKY, max_size=60))


def secret_text(kind: str, seed: int) -> str:
    """A credential of ``kind`` in its usual surroundings (an env file, a PEM block…), as pasted into a prompt."""
    return SAMPLES[kind](random.Random(seed)).text


SECRETS = st.builds(secret_text, st.sampled_from(sorted(SAMPLES)), st.integers(0, 2**32))


def base64_text(seed: int, length: int) -> str:
    """Base64 of random bytes, ``length`` characters without whitespace (an image, a signature)."""
    data = random.Random(seed).randbytes(length)
    return base64.b64encode(data).decode()[:length]


def long_string(kind: str, seed: int, length: int) -> str:
    """A string about :data:`~jackwatch.sources.bedrock_invocation.content.BLOB_LENGTH` long: binary data or text."""
    blob = base64_text(seed, length)
    if kind == "base64":  # binary data: not text
        return blob
    if kind == "wrapped":  # MIME base64, lines of 76: text
        return "\n".join(blob[start : start + 76] for start in range(0, length, 76))
    if kind == "spaced":
        return blob[: length // 2] + " " + blob[length // 2 :]
    if kind == "file separator":  # U+001C is whitespace to Python
        return blob[: length // 2] + "\x1c" + blob[length // 2 :]
    if kind == "accented, short":  # more than BLOB_LENGTH bytes, fewer characters: text
        return "é" * (length // 2)
    if kind == "accented":  # non-ASCII without any whitespace: only Unicode's tables tell
        return "é" + blob[1:]
    if kind == "ideographic space":  # whitespace only to Unicode
        return blob[: length // 2] + "\u3000" + blob[length // 2 :]
    if kind == "next line":
        return blob[: length // 2] + "\x85" + blob[length // 2 :]
    raise ValueError(kind)


USUAL_LONG = ("base64", "wrapped", "spaced", "file separator", "accented, short")
UNUSUAL_LONG = ("accented", "ideographic space", "next line")


def long_strings(usual: bool) -> st.SearchStrategy[str]:
    """Long strings of the kinds both readers tell alike, and when not ``usual`` those only Unicode's tables tell."""
    kinds = USUAL_LONG if usual else USUAL_LONG + UNUSUAL_LONG
    lengths = st.one_of(st.sampled_from([2047, 2048, 2049]), st.integers(2000, 2600))
    return st.builds(long_string, st.sampled_from(kinds), st.integers(0, 2**16), lengths)


@dataclasses.dataclass(frozen=True)
class Talk:
    """What one call says: its prompt's texts, a system prompt, the completion in the pieces a stream delivers
    it in, a long string sent with the prompt and one in the output, whether those are ``binary`` data (under
    the keys of image bytes and signatures) or text of their own, and whether a tool was called."""

    prompt: tuple[str, ...]
    system: str | None
    completion: tuple[str, ...]
    attachment: str | None
    produced: str | None
    binary: bool
    tool: bool

    @property
    def answer(self) -> str:
        """The completion in one piece, as an answer given at once holds it."""
        return "".join(self.completion)


@st.composite
def talks(draw: st.DrawFn, usual: bool) -> Talk:
    """A call's text, a secret pasted in it now and then, and its completion cut where a stream may cut it."""
    prompt = draw(st.lists(TEXTS, min_size=1, max_size=3))
    answer = draw(TEXTS) + " " + draw(TEXTS)
    secret = draw(st.none() | SECRETS)
    if secret is not None:
        where = draw(st.sampled_from(["prompt", "completion"]))
        if where == "prompt":
            prompt.insert(draw(st.integers(0, len(prompt))), secret)
        else:
            answer = f"Here is the key you asked for:\n{secret}\nKeep it safe."
    cuts = sorted(draw(st.lists(st.integers(0, len(answer)), max_size=6)))
    pieces = tuple(answer[start:end] for start, end in zip([0, *cuts], [*cuts, len(answer)], strict=True))
    maybe_long = st.none() | long_strings(usual)
    return Talk(
        tuple(prompt),
        draw(st.none() | TEXTS),
        pieces,
        draw(maybe_long),
        draw(maybe_long),
        draw(st.booleans()),
        draw(st.booleans()),
    )


# --- token counts as written ---------------------------------------------------------------------------------------

USUAL_FORMS = ("plain",) * 6 + ("zero", "largest", "absent", "null")
UNUSUAL_FORMS = ("whole float", "fraction", "negative", "text", "true", "beyond", "huge", "minus zero", "exponent")


def count_as(form: str, count: int) -> Any:
    """``count`` written in ``form``: as Bedrock writes it, left out, or as a broken or hand-made log has it."""
    forms: dict[str, Any] = {
        "plain": count,
        "zero": 0,
        "largest": 2**53 - 1,
        "absent": ABSENT,
        "null": None,
        "whole float": float(count),
        "fraction": count + 0.5,
        "negative": -count - 1,
        "text": str(count),
        "true": True,
        "beyond": 2**53,
        "huge": 10**30,
        "minus zero": Verbatim("-0"),
        "exponent": Verbatim(f"{count}e0"),
    }
    return forms[form]


COUNTS = ("input", "output", "cache_read", "cache_write", "total")


@st.composite
def counts_written(draw: st.DrawFn, usual: bool) -> dict[str, Any]:
    """A count of each kind (the total too), each in a form of its own."""
    forms = st.sampled_from(USUAL_FORMS if usual else USUAL_FORMS + UNUSUAL_FORMS)
    return {name: count_as(draw(forms), draw(st.integers(0, 250_000))) for name in COUNTS}


def present(**items: Any) -> dict[str, Any]:
    """The items that are not :data:`ABSENT`."""
    return {key: value for key, value in items.items() if value is not ABSENT}


def anthropic_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's ``usage`` object (which has no total)."""
    return present(
        input_tokens=usage["input"],
        cache_creation_input_tokens=usage["cache_write"],
        cache_read_input_tokens=usage["cache_read"],
        output_tokens=usage["output"],
    )


def converse_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Converse's ``usage`` object."""
    return present(
        inputTokens=usage["input"],
        outputTokens=usage["output"],
        totalTokens=usage["total"],
        cacheReadInputTokens=usage["cache_read"],
        cacheWriteInputTokens=usage["cache_write"],
    )


def invocation_metrics(usage: dict[str, Any]) -> dict[str, Any]:
    """The ``amazon-bedrock-invocationMetrics`` Bedrock adds to the last chunk of a stream."""
    counts = present(inputTokenCount=usage["input"], outputTokenCount=usage["output"])
    return {**counts, "invocationLatency": 1873, "firstByteLatency": 412}


# --- bodies in the models' shapes ----------------------------------------------------------------------------------

TOOL_USE_ID = "toolu_bdrk_01A09q90qw90lq917835lq9"
CONVERSE_TOOL_USE_ID = "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"
SHAPES_OF = {
    "InvokeModel": ("anthropic", "titan", "llama", "titan embeddings"),
    "InvokeModelWithResponseStream": ("anthropic", "titan", "llama"),
    "Converse": ("converse",),
    "ConverseStream": ("converse",),
}
MODELS = {
    "anthropic": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "converse": "us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "titan": "amazon.titan-text-premier-v1:0",
    "llama": "meta.llama3-1-70b-instruct-v1:0",
    "titan embeddings": "amazon.titan-embed-text-v2:0",
}


def request_body(shape: str, talk: Talk) -> dict[str, Any]:
    """The input body of a call of ``shape``."""
    pasted = () if talk.attachment is None or talk.binary else (talk.attachment,)
    text = "\n".join((*talk.prompt, *pasted))
    if shape == "anthropic":
        blocks: list[dict[str, Any]] = [{"type": "text", "text": piece} for piece in (*talk.prompt, *pasted)]
        if talk.attachment is not None and talk.binary:
            source = {"type": "base64", "media_type": "image/png", "data": talk.attachment}
            blocks.append({"type": "image", "source": source})
        messages: list[dict[str, Any]] = [{"role": "user", "content": blocks}]
        if talk.tool:
            use = {"type": "tool_use", "id": TOOL_USE_ID, "name": "get_weather", "input": {"city": "Lyon"}}
            signature = talk.produced or base64_text(0, 344)
            thinking = {"type": "thinking", "thinking": "I should look the weather up.", "signature": signature}
            result = {"type": "tool_result", "tool_use_id": TOOL_USE_ID, "content": "14°C, light rain"}
            messages += [{"role": "assistant", "content": [thinking, use]}, {"role": "user", "content": [result]}]
        body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": messages}
        return body | ({} if talk.system is None else {"system": talk.system})
    if shape == "converse":
        content: list[dict[str, Any]] = [{"text": piece} for piece in (*talk.prompt, *pasted)]
        if talk.attachment is not None and talk.binary:
            content.append({"image": {"format": "png", "source": {"bytes": talk.attachment}}})
        turns: list[dict[str, Any]] = [{"role": "user", "content": content}]
        if talk.tool:
            use = {"toolUse": {"toolUseId": CONVERSE_TOOL_USE_ID, "name": "get_weather", "input": {"city": "Lyon"}}}
            signature = talk.produced or base64_text(0, 344)
            reasoning = {"reasoningContent": {"reasoningText": {"text": "Weather first.", "signature": signature}}}
            result = {"toolResult": {"toolUseId": CONVERSE_TOOL_USE_ID, "content": [{"text": "14°C, light rain"}]}}
            turns += [{"role": "assistant", "content": [reasoning, use]}, {"role": "user", "content": [result]}]
        body = {"messages": turns, "inferenceConfig": {"maxTokens": 512, "temperature": 0.7, "topP": 0.9}}
        return body | ({} if talk.system is None else {"system": [{"text": talk.system}]})
    if shape == "titan":
        config = {"maxTokenCount": 512, "temperature": 0.5, "topP": 0.9, "stopSequences": []}
        images = {"images": [talk.attachment]} if talk.attachment is not None and talk.binary else {}
        return {"inputText": text, "textGenerationConfig": config} | images
    if shape == "llama":
        header = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
        prompt = f"{header}{text}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        images = {"images": [talk.attachment]} if talk.attachment is not None and talk.binary else {}
        return {"prompt": prompt, "max_gen_len": 512, "temperature": 0.5, "top_p": 0.9} | images
    return {"inputText": text, "dimensions": 512, "normalize": True}


def response_body(shape: str, talk: Talk, usage: dict[str, Any]) -> dict[str, Any]:
    """The output body of a call of ``shape`` answered at once."""
    signed = talk.binary and talk.produced is not None
    written_out = () if talk.produced is None or talk.binary else (talk.produced,)
    if shape == "anthropic":
        content: list[dict[str, Any]] = [{"type": "text", "text": text} for text in (talk.answer, *written_out)]
        if signed:
            thinking = {"type": "thinking", "thinking": "The user wants a short answer.", "signature": talk.produced}
            content.insert(0, thinking)
        return {
            "id": "msg_bdrk_01JbE4zGQXy7uU2z8CoGkuBp",
            "type": "message",
            "role": "assistant",
            "model": "claude-3-5-sonnet-20241022",
            "content": content,
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": anthropic_usage(usage),
        }
    if shape == "converse":
        blocks: list[dict[str, Any]] = [{"text": text} for text in (talk.answer, *written_out)]
        if signed:
            blocks.insert(0, {"reasoningContent": {"reasoningText": {"text": "Short.", "signature": talk.produced}}})
        message = {"role": "assistant", "content": blocks}
        return {"output": {"message": message}, "stopReason": "end_turn", "metrics": {"latencyMs": 302}} | {
            "usage": converse_usage(usage)
        }
    if shape == "titan":
        results = [
            {"tokenCount": 42, "outputText": text, "completionReason": "FINISH"} for text in (talk.answer, *written_out)
        ]
        return {"inputTextTokenCount": 12, "results": results}
    if shape == "llama":
        answer = written_out[0] if written_out else talk.answer
        return {"generation": answer, "prompt_token_count": 12, "generation_token_count": 42, "stop_reason": "stop"}
    return {"embedding": [0.0123, -0.0456, 0.0789, 1e-05], "inputTextTokenCount": 7}


def stream_body(shape: str, talk: Talk, usage: dict[str, Any], odd: list[Any]) -> list[Any]:
    """The chunks of a streamed output body of ``shape`` (``odd`` items before its last chunk)."""
    metrics = {"amazon-bedrock-invocationMetrics": invocation_metrics(usage)}
    if shape == "anthropic":
        start_usage = anthropic_usage(usage) | {"output_tokens": 1}
        message = {"id": "msg_bdrk_01", "type": "message", "role": "assistant", "content": [], "usage": start_usage}
        deltas = [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            for piece in talk.completion
        ]
        if talk.produced is not None:
            delta = (
                {"type": "signature_delta", "signature": talk.produced}
                if talk.binary
                else {"type": "text_delta", "text": talk.produced}
            )
            deltas.append({"type": "content_block_delta", "index": 0, "delta": delta})
        final = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}}
        return [
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            *deltas,
            {"type": "content_block_stop", "index": 0},
            final | {"usage": present(output_tokens=usage["output"])},
            *odd,
            {"type": "message_stop"} | metrics,
        ]
    if shape == "converse":
        deltas = [
            {"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": 0}} for piece in talk.completion
        ]
        if talk.produced is not None:
            delta = {"reasoningContent": {"signature": talk.produced}} if talk.binary else {"text": talk.produced}
            deltas.append({"contentBlockDelta": {"delta": delta, "contentBlockIndex": 1}})
        metadata = {"usage": converse_usage(usage), "metrics": {"latencyMs": 733}}
        return [
            {"messageStart": {"role": "assistant"}},
            *deltas,
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            *odd,
            {"metadata": metadata},
        ]
    pieces = talk.completion if talk.produced is None or talk.binary else (*talk.completion, talk.produced)
    if shape == "titan":
        chunks = [
            {"outputText": piece, "index": 0, "totalOutputTextTokenCount": None, "completionReason": None}
            for piece in pieces
        ]
        return [*chunks, *odd, {"outputText": "", "index": 0, "completionReason": "FINISH"} | metrics]
    chunks = [
        {"generation": piece, "prompt_token_count": None, "generation_token_count": number, "stop_reason": None}
        for number, piece in enumerate(pieces, 1)
    ]
    return [*chunks, *odd, {"generation": "", "stop_reason": "stop"} | metrics]


ODD_ITEMS = st.lists(st.sampled_from(["[DONE]", 7, None, 2.5, True, ["usage"], [{"usage": 1}], []]), max_size=3)
"""Items of a stream that are not chunks: they are text (strings) or nothing."""


# --- guardrail markers -----------------------------------------------------------------------------------------------

USUAL_MARKERS: tuple[tuple[str, Any], ...] = (
    ("amazon-bedrock-guardrailAction", "INTERVENED"),
    ("amazon-bedrock-guardrailAction", "intervened"),
    ("amazon-bedrock-guardrailAction", "NONE"),
    ("stopReason", "guardrail_intervened"),
    ("stop_reason", "guardrail_intervened"),
    ("stopReason", "end_turn"),
    ("action", "GUARDRAIL_INTERVENED"),
    ("action", "NONE"),
    ("messageStop", {"stopReason": "guardrail_intervened"}),
    ("messageStop", {"stopReason": "max_tokens"}),
    ("amazon-bedrock-trace", {"guardrail": {"actionReason": "Guardrail blocked."}}),
    ("amazon-bedrock-trace", {"guardrail": {"actionReason": "GUARDRAIL BLOCKED the prompt: denied topic"}}),
    ("amazon-bedrock-trace", {"guardrail": {"actionReason": "No action."}}),
    ("amazon-bedrock-trace", {"guardrail": {"input": {"gr-1": {"topicPolicy": {"topics": []}}}}}),
    ("amazon-bedrock-trace", None),
    ("amazon-bedrock-trace", "Guardrail blocked"),
)
UNUSUAL_MARKERS: tuple[tuple[str, Any], ...] = (
    ("amazon-bedrock-guardrailAction", "ıntervened"),  # a dotless i: "INTERVENED" once upper-cased
    ("amazon-bedrock-guardrailAction", "İNTERVENED"),
    ("amazon-bedrock-trace", {"guardrail": {"actionReason": "Guardrail blocked — contenu refusé"}}),
)


def guardrail_markers(usual: bool) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Keys of a body or chunk that may say a guardrail intervened, with what they say (or something else)."""
    markers = USUAL_MARKERS if usual else USUAL_MARKERS + UNUSUAL_MARKERS
    return st.lists(st.sampled_from(markers), max_size=2)


def mark(body: Any, markers: list[tuple[str, Any]], place: int) -> None:
    """Write ``markers`` into the body, or into its chunk ``place`` (counted from either end) when a stream."""
    if isinstance(body, list):
        chunks = [item for item in body if isinstance(item, dict)]
        target = chunks[place % len(chunks)] if chunks else None
    else:
        target = body
    if target is not None:
        target.update(markers)


# --- whole records ---------------------------------------------------------------------------------------------------

ODDITIES = ("text", "bodies", "log counts", "usage counts", "guardrail", "time", "fields", "keys twice")
"""The parts of a record that may be odd: its text, the shapes of its bodies, its counts, its guardrail markers,
its time, its fields, its keys (written twice)."""

USUAL_BODIES = ("body",) * 8 + ("absent", "null")
ODD_BODIES = ("array", "array", "text", "number")
"""What a section holds as its body: the body, nothing, ``null``; or an array (of the prompt's texts, or of the
completion's pieces, not chunks), a string or a number."""

USUAL_TIMES = ("%Y-%m-%dT%H:%M:%SZ",) * 3 + tuple(f"%Y-%m-%dT%H:%M:%S.{{:0{width}d}}Z" for width in range(1, 7))
UNUSUAL_TIMES = (
    "%Y-%m-%dT%H:%M:%S+00:00",
    "%Y-%m-%dT%H:%M:%S.%f000Z",
    "%Y-%m-%d %H:%M:%S.%f000",
    "%Y-%m-%dt%H:%M:%Sz",
    "%Y-%m-%dT%H:%M:%S.{:07d}Z",
    "%Y-%m-%dT%H:%MZ",
    "%Y-%m-%dT%H:%M:%S-02:00",
    "%Y-%m-%dT%H:%M:%S,5Z",
    "%Y-%m-%d",
    "2025-02-30T10:00:00Z",
    "2025-05-15T24:00:00Z",
)


def timestamp(form: str, moment: datetime) -> str:
    """``moment`` written in ``form`` (a ``strftime`` format; ``{}`` takes the fraction of a second in its width)."""
    text = moment.strftime(form)
    if "{" in text:
        width = int(text.split("{:0")[1][0])
        text = text.format(moment.microsecond // 10 ** max(6 - width, 0))
    return text


ERROR_CODES = (ABSENT,) * 4 + ("ThrottlingException", "ValidationException", "ModelTimeoutException", "", None)

USUAL_TWEAKS: tuple[tuple[str, Any], ...] = (
    ("schemaType", ABSENT),
    ("inferenceRegion", "us-west-2"),
    ("accountId", 111122223333),
    ("identity", {"arn": "arn:aws:iam::111122223333:user/ana", "principalId": "AIDAEXAMPLEUSER"}),
    ("additionalModelRequestFields", {"top_k": 250, "thinking": {"type": "enabled", "budget_tokens": 1024}}),
)
UNUSUAL_TWEAKS: tuple[tuple[str, Any], ...] = (
    ("schemaType", "ModelInvocationLogV2"),
    ("schemaType", None),
    ("operation", ""),
    ("operation", ABSENT),
    ("operation", 7),
    ("requestId", ABSENT),
    ("requestId", ""),
    ("requestId", 12),
    ("timestamp", ABSENT),
    ("timestamp", 1747318642),
    ("message", "the assistant said hello"),
    ("events", []),
    ("schemaVersion", 1.0),
    ("schemaVersion", Verbatim("1E0")),
    ("schemaVersion", 10**30),
    ("identity", {"arn": "arn:aws:sts::111122223333:assumed-role/app/i-1", "sessionDuration": 3600.5}),
    ("input", ["not", "a", "section"]),
    ("input", None),
    ("output", "not a section"),
    ("output", ABSENT),
)


def body_as(form: str, body: Any, texts: tuple[str, ...]) -> Any:
    """The body of a section in ``form`` (:data:`USUAL_BODIES`, :data:`ODD_BODIES`)."""
    forms = {"body": body, "absent": ABSENT, "null": None, "array": list(texts), "text": "\n".join(texts), "number": 0}
    return forms[form]


@st.composite
def records(draw: st.DrawFn, odd: frozenset[str]) -> dict[str, Any]:
    """An invocation record as Bedrock logs it, but for the parts named in ``odd`` (:data:`ODDITIES`), which may
    hold what a broken or hand-made log holds."""
    operation = draw(st.sampled_from(sorted(SHAPES_OF)))
    shape = draw(st.sampled_from(SHAPES_OF[operation]))
    streamed = operation.endswith("Stream")
    talk = draw(talks(usual="text" not in odd))
    log = draw(counts_written(usual="log counts" not in odd))
    usage = draw(counts_written(usual="usage counts" not in odd))
    error = draw(st.sampled_from(ERROR_CODES))
    index = draw(st.integers(0, 10**6))
    moment = START + timedelta(seconds=index, microseconds=draw(st.integers(0, 999_999)))
    form = draw(st.sampled_from(UNUSUAL_TIMES + USUAL_TIMES if "time" in odd else USUAL_TIMES))

    bodies = st.sampled_from(("body", "absent", "null", *ODD_BODIES) if "bodies" in odd else USUAL_BODIES)
    prompt_body = draw(bodies)
    request = request_body(shape, talk)
    if draw(st.booleans()):
        mark(request, draw(guardrail_markers(usual=True)), 0)  # markers in the prompt say nothing
    input_section = present(
        inputContentType="application/json",
        inputBodyJson=body_as(prompt_body, request, (*talk.prompt, "Answer in one line.")),
        inputTokenCount=log["input"],
        cacheReadInputTokenCount=log["cache_read"],
        cacheWriteInputTokenCount=log["cache_write"],
    )
    completion_body = draw(bodies)
    if streamed:
        response: Any = stream_body(shape, talk, usage, draw(ODD_ITEMS))
    else:
        response = response_body(shape, talk, usage)
    mark(response, draw(guardrail_markers(usual="guardrail" not in odd)), draw(st.integers(-3, 3)))
    output_section = present(
        outputContentType="application/json",
        outputBodyJson=body_as(completion_body, response, talk.completion),
        outputTokenCount=log["output"],
    )
    record = make_record(
        index,
        operation=operation,
        modelId=MODELS[shape],
        timestamp=timestamp(form, moment),
        input=input_section,
        output=output_section,
        errorCode=error,
    )
    tweaks = UNUSUAL_TWEAKS + USUAL_TWEAKS if "fields" in odd else USUAL_TWEAKS
    record.update(draw(st.lists(st.sampled_from(tweaks), max_size=2)))
    if "log counts" not in odd and log["input"] in (ABSENT, None) and error in (ABSENT, None, ""):
        record["errorCode"] = "ThrottlingException"  # a successful call always has an input count in the log
    return present(**record)


@st.composite
def invocation_lines(draw: st.DrawFn, usual: bool) -> bytes:
    """The JSON Lines line of a record; when not ``usual``, one or two of its parts are odd (keys written twice
    among them), so that most lines are still read by the compiled reader and compared."""
    odd = frozenset() if usual else frozenset(draw(st.sets(st.sampled_from(ODDITIES), max_size=2)))
    record = draw(records(odd))
    twice = draw(st.integers(1, 2)) if "keys twice" in odd else 0
    rng = draw(st.randoms(use_true_random=False))
    return json_line(record, draw(STYLES), rng, shuffle=draw(st.booleans()), twice=twice)


# --- (a) the property ------------------------------------------------------------------------------------------------


ARRAY_PROMPT = (
    b'{"operation":"Converse","requestId":"r","timestamp":"2025-05-15T14:00:00Z",'
    b'"input":{"inputTokenCount":1,"inputBodyJson":["a","b"]}}'
)
"""A record whose input body is an array: its prompt is ``"a\\nb"``, as any prompt's strings are one per line."""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(invocation_lines(usual=False), min_size=1, max_size=4))
@example(batch=[ARRAY_PROMPT])
def test_every_event_of_the_compiled_reader_is_the_python_readers(batch: list[bytes]) -> None:
    """Lines read together (sharing the compiled reader's strings), most usual, some with odd parts."""
    made = assert_reads_alike(batch)
    for native in made:
        event("compiled reader: an event" if native is not None else "compiled reader: left to Python")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(invocation_lines(usual=True), min_size=1, max_size=4))
def test_the_compiled_reader_reads_every_usual_record(batch: list[bytes]) -> None:
    """Records as Bedrock writes them (any shape, text, secrets, guardrail, count written plainly) are all read
    by the compiled reader: the property above does not hold only because it leaves everything to Python."""
    made = assert_reads_alike(batch)
    assert [line for line, native in zip(batch, made, strict=True) if native is None] == []


def usual_records() -> list[dict[str, Any]]:
    """Twenty records as Bedrock writes them, of every operation and shape, with a secret, a guardrail, an error."""
    rng = random.Random(20250515)
    key = SAMPLES["aws_access_key"](rng).text
    pem = SAMPLES["private_key"](rng).text
    openai = SAMPLES["openai_api_key"](rng).text
    usage = {"input": 412, "output": 96, "cache_read": 0, "cache_write": 1024, "total": 1532}
    plain = Talk(
        ("Summarise the incident report.",), "You are terse.", ("The disk ", "filled ", "up."), None, None, True, False
    )
    secretive = dataclasses.replace(plain, prompt=("Why does this fail?", key), completion=(openai[:30], openai[30:]))
    binary = dataclasses.replace(plain, attachment=base64_text(1, 4096), produced=base64_text(2, 2400), tool=True)
    pasted = dataclasses.replace(binary, binary=False)
    found: list[dict[str, Any]] = []
    for number, (operation, shape, talk) in enumerate(
        [
            ("Converse", "converse", pasted),
            ("Converse", "converse", secretive),
            ("ConverseStream", "converse", plain),
            ("ConverseStream", "converse", binary),
            ("InvokeModel", "anthropic", plain),
            ("InvokeModel", "anthropic", binary),
            ("InvokeModel", "titan", secretive),
            ("InvokeModel", "llama", pasted),
            ("InvokeModel", "titan embeddings", plain),
            ("InvokeModelWithResponseStream", "anthropic", secretive),
            ("InvokeModelWithResponseStream", "titan", plain),
            ("InvokeModelWithResponseStream", "llama", binary),
        ]
    ):
        streamed = operation.endswith("Stream")
        body = stream_body(shape, talk, usage, []) if streamed else response_body(shape, talk, usage)
        found.append(
            make_record(
                number,
                operation=operation,
                modelId=MODELS[shape],
                input={
                    "inputContentType": "application/json",
                    "inputBodyJson": request_body(shape, talk),
                    "inputTokenCount": 412,
                },
                output={"outputContentType": "application/json", "outputBodyJson": body, "outputTokenCount": 96},
            )
        )
    blocked_stream = stream_body("anthropic", plain, usage, [])
    blocked_stream[-2]["amazon-bedrock-guardrailAction"] = "INTERVENED"
    pem_in_chunks = stream_body("converse", dataclasses.replace(plain, completion=(pem[:100], pem[100:])), usage, [])
    found += [
        make_record(20, timestamp="2025-05-15T14:00:20.123Z"),
        make_record(21, timestamp="2025-05-15T14:00:21.123456Z"),
        make_record(22, errorCode="ThrottlingException", output={}, input={"inputTokenCount": 0}),
        make_record(23, operation="InvokeModelWithResponseStream", output={"outputBodyJson": blocked_stream}),
        make_record(24, operation="ConverseStream", output={"outputBodyJson": pem_in_chunks}),
        make_record(25, input={"inputTokenCount": 4, "inputBodyJson": None}, output={"outputTokenCount": 8}),
        make_record(26, output={"outputBodyJson": {"stopReason": "guardrail_intervened", "usage": {"inputTokens": 9}}}),
        make_record(27, identity={"arn": "arn:aws:iam::111122223333:user/zoë"}, inferenceRegion="eu-west-3"),
    ]
    return found


def test_twenty_usual_records_are_all_read_by_the_compiled_reader() -> None:
    """The compiled reader reads what Bedrock writes: its events are not the exception."""
    batch = [orjson.dumps(record) for record in usual_records()]
    made = assert_reads_alike(batch)
    assert [native is not None for native in made] == [True] * len(batch)
    memos = [native.memo for native in made if native is not None]
    assert sum(memo["bedrock.guardrail"] == "intervened" for memo in memos) == 2
    assert sum(bool(memo["bedrock.secret_hits"]) for memo in memos) >= 4


def with_string(where: str, text: str) -> dict[str, Any]:
    """A usual record with ``text`` as a string of its own in the prompt, in the completion, or in the message of
    a stream's ``message_start`` chunk (which the compiled reader reads whole, not walked)."""
    if where == "prompt":
        turn = {"role": "user", "content": [{"text": "Decode this:"}, {"text": text}]}
        return make_record(30, input={"inputTokenCount": 4, "inputBodyJson": {"messages": [turn]}})
    if where == "completion":
        message = {"role": "assistant", "content": [{"text": text}]}
        return make_record(30, output={"outputTokenCount": 8, "outputBodyJson": {"output": {"message": message}}})
    content = [{"type": "text", "text": text}]
    start = {
        "type": "message_start",
        "message": {"role": "assistant", "content": content, "usage": {"input_tokens": 4}},
    }
    chunks = [start, {"type": "message_stop"}]
    return make_record(30, operation="InvokeModelWithResponseStream", output={"outputBodyJson": chunks})


@pytest.mark.parametrize("where", ["prompt", "completion", "stream chunk"])
@pytest.mark.parametrize("kind", USUAL_LONG + UNUSUAL_LONG)
@pytest.mark.parametrize("length", [2047, 2048, 2049])
def test_strings_about_the_blob_length_read_alike(where: str, kind: str, length: int) -> None:
    """Whether a long string is binary data or text is decided alike, on either side of the length."""
    (native,) = assert_reads_alike([orjson.dumps(with_string(where, long_string(kind, 11, length)))])
    assert native is not None or kind in UNUSUAL_LONG


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(["Summarise this:", "The disk filled up."], id="an array of texts"),
        pytest.param([{"text": "Summarise this:"}, {"text": "The disk filled up."}], id="an array of objects"),
        pytest.param({"messages": ["Summarise this:", "The disk filled up."]}, id="an object holding an array"),
    ],
)
def test_a_prompt_is_its_strings_one_per_line_whatever_its_body_is(body: object) -> None:
    """The prompt is the input body's strings joined by line feeds, even when the body is an array (only the
    completion of a stream is put end to end): its length is that of the Python reader."""
    line = orjson.dumps(make_record(31, input={"inputTokenCount": 9, "inputBodyJson": body}))
    python = python_event(line)
    assert python is not None and python.memo["bedrock.prompt_chars"] == len("Summarise this:\nThe disk filled up.")
    assert_reads_alike([line])


# --- (b) every unusual line goes to the Python reader, which reads or reports it -------------------------------------


def record_line(**changes: Any) -> bytes:
    """A usual record with ``changes`` (``ABSENT`` removes a key), as a JSON Lines line."""
    return json.dumps(present(**(make_record(5) | changes))).encode()


def streamed_line(chunk_index: int, change: dict[str, Any]) -> bytes:
    """An Anthropic streamed record whose chunk ``chunk_index`` has ``change`` merged into its usage holder."""
    usage = {"input": 40, "output": 9, "cache_read": 0, "cache_write": 0, "total": ABSENT}
    talk = Talk(("Where is my parcel?",), None, ("It left ", "on Monday."), None, None, True, False)
    body = stream_body("anthropic", talk, usage, [])
    holder = body[chunk_index]
    target = (
        holder["message"]["usage"]
        if "message" in holder
        else holder.get("usage", holder.get("amazon-bedrock-invocationMetrics"))
    )
    target.update(change)
    return record_line(operation="InvokeModelWithResponseStream", output={"outputBodyJson": body})


def converse_stream_line(usage: dict[str, Any]) -> bytes:
    """A ConverseStream record whose ``metadata`` chunk has ``usage``."""
    chunks = [{"contentBlockDelta": {"delta": {"text": "Hi"}}}, {"metadata": {"usage": usage}}]
    return record_line(operation="ConverseStream", output={"outputBodyJson": chunks})


def with_output_body(body: Any) -> bytes:
    """A usual record with ``body`` as its output body."""
    return record_line(output={"outputBodyJson": body, "outputTokenCount": 8})


def with_input_body(body: Any) -> bytes:
    """A usual record with ``body`` as its input body."""
    return record_line(input={"inputBodyJson": body, "inputTokenCount": 4})


class Case(NamedTuple):
    """An unusual line, how many events the Python reader reads in it, and the problems it reports."""

    name: str
    line: bytes
    events: int
    reasons: set[str]


USUAL_TEXT = json.dumps(make_record(5))
UNUSUAL = [
    Case(
        "invalid UTF-8 in a prompt",
        USUAL_TEXT.replace("hello how", "hello \udcff how").encode("utf-8", "surrogateescape"),
        1,
        {"invalid_utf8"},
    ),
    Case("a lone surrogate escape", USUAL_TEXT.replace("hello how", "hello \\ud83d how").encode(), 0, {"invalid_json"}),
    Case("two records in an array", json.dumps([make_record(5), make_record(6)]).encode(), 2, set()),
    Case("two objects on one line", (USUAL_TEXT + USUAL_TEXT).encode(), 0, {"invalid_json"}),
    Case("a line cut short", USUAL_TEXT[:90].encode(), 0, {"invalid_json"}),
    Case("a string", b'"ModelInvocationLog"', 0, {"not_an_object"}),
    Case(
        "CloudWatch Logs events (the events key)",
        json.dumps({"events": [{"timestamp": 1747318200000, "message": USUAL_TEXT}]}).encode(),
        1,
        set(),
    ),
    Case(
        "a CloudWatch Logs event (a message key)",
        json.dumps({"timestamp": 1747318200000, "message": USUAL_TEXT, "ingestionTime": 1747318201000}).encode(),
        1,
        set(),
    ),
    Case("a record with a message key", record_line(message="hello"), 1, set()),
    Case(
        "a message key with an escape",
        USUAL_TEXT.replace('"region"', '"\\u006dessage": "x", "region"').encode(),
        1,
        set(),
    ),
    Case("another schemaType", record_line(schemaType="ModelInvocationLogV2"), 0, {"invalid_field"}),
    Case("a null schemaType", record_line(schemaType=None), 1, set()),
    Case("no operation", record_line(operation=ABSENT), 0, {"missing_field"}),
    Case("an empty operation", record_line(operation=""), 0, {"invalid_field"}),
    Case("no requestId", record_line(requestId=ABSENT), 1, set()),
    Case("an empty requestId", record_line(requestId=""), 1, set()),
    Case("a timestamp with an offset", record_line(timestamp="2025-05-15T16:00:05+02:00"), 1, set()),
    Case("a timestamp with a space and nanoseconds", record_line(timestamp="2025-05-15 14:00:05.000000000"), 1, set()),
    Case("a timestamp with seven digits", record_line(timestamp="2025-05-15T14:00:05.1234567Z"), 1, set()),
    Case("a timestamp in lower case", record_line(timestamp="2025-05-15t14:00:05z"), 1, set()),
    Case("a timestamp without seconds", record_line(timestamp="2025-05-15T14:00Z"), 1, set()),
    Case("a timestamp as a number", record_line(timestamp=1747318205), 0, {"invalid_field"}),
    Case("a timestamp of no day", record_line(timestamp="2025-02-30T14:00:05Z"), 0, {"invalid_field"}),
    Case("a negative input count", record_line(input={"inputTokenCount": -4}), 1, {"invalid_token_count"}),
    Case("a negative output count", record_line(output={"outputTokenCount": -8}), 1, {"invalid_token_count"}),
    Case("a count written 12.0", record_line(input={"inputTokenCount": 12.0}), 1, set()),
    Case("a count as text", record_line(input={"inputTokenCount": "4"}), 1, {"invalid_token_count"}),
    Case("a boolean count", record_line(input={"inputTokenCount": True}), 1, {"invalid_token_count"}),
    Case("a count beyond 2**53 - 1", record_line(input={"inputTokenCount": 2**53}), 1, {"invalid_token_count"}),
    Case("a fraction in a usage object", with_output_body({"usage": {"inputTokens": 1.5}}), 1, {"invalid_token_count"}),
    Case("a negative count in message_start", streamed_line(0, {"input_tokens": -40}), 1, {"invalid_token_count"}),
    Case("a text count in message_delta", streamed_line(-2, {"output_tokens": "9"}), 1, {"invalid_token_count"}),
    Case("a negative invocation metric", streamed_line(-1, {"outputTokenCount": -9}), 1, {"invalid_token_count"}),
    Case(
        "a boolean in metadata.usage",
        converse_stream_line({"inputTokens": True, "outputTokens": 2}),
        1,
        {"invalid_token_count"},
    ),
    Case(
        "no input count in a successful call",
        record_line(input={"inputBodyJson": {"prompt": "hi"}}, output={"outputBodyJson": {"generation": "hello"}}),
        1,
        {"missing_token_count"},
    ),
    Case(
        "no input count and an empty errorCode",
        record_line(input={}, output={}, errorCode=""),
        1,
        {"missing_token_count"},
    ),
    Case("a fraction in schemaVersion", record_line(schemaVersion=1.0), 1, set()),
    Case(
        "a fraction in identity",
        record_line(identity={"arn": "arn:aws:iam::111122223333:user/ana", "mfaAge": 0.5}),
        1,
        set(),
    ),
    Case("an integer beyond 64 bits in schemaVersion", record_line(schemaVersion=10**30), 1, set()),
    Case(
        "a key twice in the input body",
        USUAL_TEXT.replace('"messages": ', '"system": "a", "system": "b", "messages": ').encode(),
        1,
        set(),
    ),
    Case(
        "a key twice in a stream chunk",
        USUAL_TEXT.replace(
            '"outputBodyJson": {', '"outputBodyJson": [{"type": "x", "type": "message_stop"}], "x": {'
        ).encode(),
        1,
        set(),
    ),
    Case(
        "the input section twice",
        USUAL_TEXT.replace('"output": {', '"input": {"inputTokenCount": 5}, "output": {').encode(),
        1,
        set(),
    ),
    Case(
        "the input section twice, once with an escape",
        USUAL_TEXT.replace('"output": {', '"\\u0069nput": {"inputTokenCount": 5}, "output": {').encode(),
        1,
        set(),
    ),
    Case(
        "the output body twice",
        USUAL_TEXT.replace('"outputTokenCount"', '"outputBodyJson": null, "outputTokenCount"').encode(),
        1,
        set(),
    ),
    Case("a dotless-i guardrail action", with_output_body({"amazon-bedrock-guardrailAction": "ıntervened"}), 1, set()),
    Case(
        "a non-ASCII guardrail reason",
        with_output_body({"amazon-bedrock-trace": {"guardrail": {"actionReason": "Guardrail blocked — refusé"}}}),
        1,
        set(),
    ),
    Case(
        "a long accented string without whitespace",
        with_input_body({"prompt": long_string("accented", 3, 2100)}),
        1,
        set(),
    ),
    Case(
        "a long string whose only space is U+3000",
        with_input_body({"prompt": long_string("ideographic space", 3, 2100)}),
        1,
        set(),
    ),
    Case(
        "a long string whose only space is U+0085",
        with_output_body({"generation": long_string("next line", 3, 2100)}),
        1,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("line", "events", "reasons"),
    [pytest.param(case.line, case.events, case.reasons, id=case.name) for case in UNUSUAL],
)
def test_an_unusual_line_is_left_to_the_python_reader(
    tmp_path: Path, line: bytes, events: int, reasons: set[str]
) -> None:
    """The compiled reader hands the line back; the Python reader, after a usual line, reads its ``events``
    and reports the problems of ``reasons``."""
    assert compiled_events([line]) == [None]
    path = tmp_path / "invocations.jsonl"
    path.write_bytes(json.dumps(make_record(0)).encode() + b"\n" + line + b"\n")
    stats = ReadStats()
    read = list(read_bedrock_invocation([str(path)], stats, options=ReadOptions()))
    assert len(read) - 1 == events
    assert set(stats.skipped) | set(stats.noted) == reasons


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        pytest.param('"inputTokenCount": 4', '"inputTokenCount": -0', id="a count written -0"),
        pytest.param('"inputTokenCount": 4', '"inputTokenCount": 4E0', id="a count with an exponent"),
        pytest.param('"inputTokens": 4', '"inputTokens": 4.0', id="a usage count written 4.0"),
        pytest.param('"schemaVersion": "1.0"', '"schemaVersion": -0', id="a kept -0"),
        pytest.param('"schemaVersion": "1.0"', '"schemaVersion": 18446744073709551615', id="the largest 64-bit whole"),
        pytest.param('"schemaVersion": "1.0"', '"schemaVersion": -9223372036854775808', id="the smallest 64-bit whole"),
        pytest.param('"schemaVersion": "1.0"', '"schemaVersion": -9223372036854775809', id="a whole beyond 64 bits"),
        pytest.param('"latencyMs": 302', '"latencyMs": 1e400', id="a number beyond a float"),
        pytest.param('"temperature": 0.7', '"temperature": 7E-1', id="a fraction with an exponent in a body"),
        pytest.param('"maxTokens": 512', '"maxTokens": 0512', id="a leading zero"),
        pytest.param('"maxTokens": 512', '"maxTokens": 512.', id="a dot without digits"),
        pytest.param('"maxTokens": 512', '"maxTokens": +512', id="a plus sign"),
    ],
)
def test_numbers_written_oddly_read_alike(written: str, rewritten: str) -> None:
    """However a number is written, the compiled reader reads the line as the Python reader does, or not at all."""
    line = USUAL_TEXT.replace(written, rewritten)
    assert rewritten in line
    assert_reads_alike([line.encode()])


def test_lines_are_split_at_line_feeds_and_the_cut_last_line_is_left_to_the_python_reader() -> None:
    """Blank lines and the last line of data that may be cut short (not ``complete``) are handed back."""
    usual = json.dumps(make_record(1)).encode()
    crlf = json.dumps(make_record(2)).encode() + b"\r"
    lines = [usual, b"", b"  \t", crlf, usual]
    assert [native is not None for native in compiled_events(lines)] == [True, False, False, True, True]
    cut_short = compiled_events(lines, complete=False)  # the last line may be the start of a longer one
    assert [native is not None for native in cut_short] == [True, False, False, True, False]
    assert [native is not None for native in compiled_events([usual, b""], complete=False)] == [True, False]


def test_the_python_reader_tells_the_guardrail_that_a_dotless_i_writes() -> None:
    """Why non-ASCII guardrail text is Python's to read: ``"ıntervened".upper()`` is ``"INTERVENED"``."""
    python = python_event(with_output_body({"amazon-bedrock-guardrailAction": "ıntervened"}))
    assert python is not None and python.memo["bedrock.guardrail"] == "intervened"


# --- (c) a whole file reads the same with the compiled reader as without ---------------------------------------------


def mixed_file(tmp_path: Path) -> Path:
    """A gzipped JSON Lines file of usual records with, among them, every kind of line that goes wrong."""
    rng = random.Random(7)
    secret = SAMPLES["aws_access_key"](rng).text
    usage = {"input": 40, "output": 9, "cache_read": 0, "cache_write": 0, "total": ABSENT}
    talk = Talk(("Deploy with these:", secret), None, ("Done. ", "Rotate ", "them now."), None, None, True, False)
    blocked = stream_body("anthropic", talk, usage, [])
    blocked[-1]["amazon-bedrock-guardrailAction"] = "INTERVENED"
    no_operation = make_record(4)
    del no_operation["operation"]
    cut = json.dumps(make_record(3))[:120]
    lines = [
        json.dumps(make_record(1)),
        json.dumps(
            make_record(
                2,
                operation="InvokeModelWithResponseStream",
                input={"inputTokenCount": 40, "inputBodyJson": request_body("anthropic", talk)},
                output={"outputBodyJson": blocked},
            )
        ),
        cut,
        json.dumps(no_operation),
        json.dumps(make_record(5, input={"inputTokenCount": -4})),
        json.dumps(make_record(6, timestamp="2025-05-14T09:00:00Z")),
        "",
        json.dumps({"timestamp": 1747318207000, "message": json.dumps(make_record(7))}),
        json.dumps(make_record(8, timestamp="2025-05-15T16:00:08+02:00")),
        json.dumps(make_record(9, timestamp="2025-05-15T14:00:09.5Z")),
        json.dumps(make_record(10, errorCode="ValidationException", output={}, input={})),
        json.dumps(make_record(11, schemaType="ModelInvocationLogV2")),
        json.dumps(make_record(12, input={"inputTokenCount": 12.0})),
        json.dumps(make_record(13, timestamp="2025-05-16T00:00:00Z")),
    ]
    bad_byte = json.dumps(make_record(14)).replace("hello how", "hello \udcff how").encode("utf-8", "surrogateescape")
    data = "\n".join(lines).encode() + b"\n" + bad_byte + b"\n" + json.dumps(make_record(15)).encode()
    path = tmp_path / "20250515T1400Z_0a1b2c3d.json.gz"
    path.write_bytes(gzip.compress(data))
    return path


def read_file(path: Path) -> tuple[list[Event], ReadStats]:
    """The events of the file on 2025-05-15 (UTC), and the stats of the read."""
    stats = ReadStats()
    since, until = datetime(2025, 5, 15, tzinfo=UTC), datetime(2025, 5, 16, tzinfo=UTC)
    events = list(read_bedrock_invocation([str(path)], stats, since=since, until=until, options=ReadOptions()))
    return events, stats


def test_a_file_reads_the_same_with_and_without_the_compiled_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same events (fields, record, memo) and the same stats, problems and their locations included."""
    path = mixed_file(tmp_path)
    made: list[Event | bytes] = []

    def counted(data: bytes, origin: str, complete: bool) -> list[Event | bytes]:
        found = READ_LINES(data, origin, complete)
        made.extend(found)
        return found

    monkeypatch.setattr(invocation_source, "FORMAT", dataclasses.replace(FORMAT, read_lines=counted))
    native_events, native_stats = read_file(path)
    monkeypatch.setattr(invocation_source, "FORMAT", dataclasses.replace(FORMAT, read_lines=None))
    python_events, python_stats = read_file(path)

    assert sum(isinstance(native, Event) for native in made) == 7  # the usual lines (2 outside the window)
    assert len(native_events) == len(python_events) == 10
    for native, python in zip(native_events, python_events, strict=True):
        assert_same_event(native, python)
    assert native_stats.as_dict() == python_stats.as_dict()
    assert python_stats.as_dict()["skipped_by_reason"] == {"invalid_field": 1, "invalid_json": 1, "missing_field": 1}
    assert python_stats.as_dict()["noted_by_reason"] == {"invalid_token_count": 1, "invalid_utf8": 1}


# --- damaged lines: the compiled reader's parser accepts no line the Python reader's parser refuses --------------

DAMAGE = b'{}[]":,\\/ \t0123456789.eE+-tfnulbru\x00\x1f\x7f\xc3\xa9\xed\xa0\x80'
"""Bytes that change what a JSON line means: structure, escapes, numbers, literals, control characters, UTF-8 (a
valid two-byte character, and the start of an encoded surrogate)."""


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_line_damaged_anywhere_is_read_alike_or_left_to_the_python_reader(data: st.DataObject) -> None:
    """Bytes replaced, inserted or deleted anywhere in a usual line (one, two or three times): the compiled
    reader either hands the line back or makes the Python reader's event of it."""
    line = bytearray(data.draw(st.sampled_from([USUAL_TEXT.encode(), streamed_line(0, {"output_tokens": 3})])))
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(line) - 1))
        change = data.draw(st.sampled_from(["replace", "insert", "delete"]))
        byte = data.draw(st.sampled_from(DAMAGE))
        if change == "replace":
            line[at] = byte
        elif change == "insert":
            line.insert(at, byte)
        else:
            del line[at]
    made = assert_reads_alike([bytes(line)])
    event("read by the compiled reader" if made[0] is not None else "left to the Python reader")


def test_threads_reading_at_once_read_what_one_reads_alone() -> None:
    """The reader keeps state between files (its shared strings): files read from several threads at once give the
    events each gives read alone."""
    files = [b"\n".join(json.dumps(record).encode() for record in usual_records()[start:]) for start in range(8)]
    alone = [READ_LINES(data, ORIGIN, True) for data in files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda data: READ_LINES(data, ORIGIN, True), files * 8))
    for index, made in enumerate(together):
        expected = alone[index % len(files)]
        assert len(made) == len(expected)
        for native, reference in zip(made, expected, strict=True):
            assert isinstance(native, Event) and isinstance(reference, Event)
            assert_same_event(native, reference)
