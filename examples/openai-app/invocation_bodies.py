"""Request and response bodies of the demo's Bedrock invocation logs, in the shapes the models and Bedrock write.

Bodies are short on purpose (the committed logs stay small): the token counts a record carries are the real
size of the call, the text is a plausible opening of it. Four kinds of traffic: the app's support chat, the RAG
indexer's embeddings, the key checker's ``max_tokens_to_sample: -1`` probe, and the role-play sessions the
stolen key is resold for.
"""

from __future__ import annotations

import re
import string
from random import Random
from typing import Any

from jackwatch.cost import TokenUsage

Body = dict[str, Any]

ANTHROPIC_VERSION = "bedrock-2023-05-31"
PROBE_BODY: Body = {"prompt": "\n\nHuman:\n\nAssistant:", "max_tokens_to_sample": -1}
"""The key checker's probe: a request every Claude model rejects with ValidationException, proving access."""

SUPPORT_SYSTEM = (
    "You are the assistant of Acme Outdoor's online shop. Answer in at most five sentences, politely, and only "
    "about orders, products, returns and shipping. Never invent order data: use the context given."
)
SUPPORT_TURNS = (
    (
        "Where is my order 10{n}? It was supposed to arrive yesterday.",
        "Your order left our warehouse on Monday and is with the carrier; the tracking page shows delivery tomorrow.",
    ),
    (
        "Can I return hiking boots I have worn once? Order 10{n}.",
        "Yes: worn items can be returned within 30 days if they are clean. Start the return from your account page.",
    ),
    (
        "Does the Trailhead 45 backpack fit a 16-inch laptop?",
        "It fits laptops up to 15.6 inches; a 16-inch model is usually too tall for the sleeve.",
    ),
    (
        "I was charged twice for order 10{n}, can you check?",
        "I can see one payment and one pre-authorisation; the second one disappears within five working days.",
    ),
    (
        "Which sleeping bag do you recommend for -5 °C?",
        "For -5 °C take a bag with a comfort rating of -5 °C or lower, such as the Polar 700.",
    ),
    ("How long does shipping to Ireland take?", "Shipping to Ireland takes three to five working days."),
    (
        "Is the Alpine Shell jacket waterproof or only water-resistant?",
        "It is waterproof: a 3-layer membrane with a 20,000 mm hydrostatic head and taped seams.",
    ),
    (
        "Can I change the delivery address of order 10{n}?",
        "The order has not shipped yet, so I have asked the warehouse to change the address; you will get an e-mail.",
    ),
)
"""(question, answer) pairs of the support chat; ``{n}`` is filled with an order number."""
DOCUMENT_CHUNKS = (
    "Returns: items can be returned within 30 days of delivery. Worn footwear is accepted if clean and undamaged.",
    "The Trailhead 45 backpack has a padded sleeve for laptops up to 15.6 inches and a rain cover in the lid.",
    "Alpine Shell jacket: 3-layer membrane, 20,000 mm hydrostatic head, taped seams, helmet-compatible hood.",
    "Shipping: orders placed before 14:00 leave the warehouse the same day; EU delivery in 3-5 working days.",
    "Polar 700 sleeping bag: comfort -5 °C, limit -12 °C, 700 fill-power down, weight 1,150 g.",
    "Warranty: two years on all products; five years on tents and backpacks when registered online.",
)

CHARACTERS = (
    ("Seraphine", "an elven court mage with a sharp tongue"),
    ("Captain Rook", "a smuggler captain in a flooded city"),
    ("Mira", "a tavern keeper who knows every rumour of the valley"),
    ("Kestrel", "a bounty hunter on a desert planet"),
    ("Lord Ashcombe", "a vampire noble hosting a masquerade"),
)
ROLEPLAY_SYSTEM = (
    "You are {name}, {persona}. Write {name}'s next reply in this collaborative fiction with {{{{user}}}}. "
    "Stay in character, describe actions and surroundings in vivid detail, and never speak or act for {{{{user}}}}. "
    "[Character card and world lore follow.]"
)
ROLEPLAY_TURNS = (
    "*pushes the door open and shakes the rain off my cloak* Any room left for a tired traveller?",
    "*leans closer, lowering my voice* I heard you know the way through the old mines.",
    "*raises my glass* To the ones who did not make it back.",
    "*draws my blade slowly* I will not ask a second time.",
    "*hands over the sealed letter* The baron said you would understand.",
    "Continue the scene. Describe the storm reaching the harbour.",
)
ROLEPLAY_REPLIES = (
    '*{name} looks up from the ledger, candlelight catching the scar across one cheek.* "Room? Perhaps. Coin first."',
    '*{name} laughs, a low sound that carries over the rain.* "Everyone knows the way in. Few know the way out."',
    "*{name} turns the letter over twice before breaking the seal, eyes narrowing as they read.*",
    "*Thunder rolls over the masts as {name} steps to the window, watching the lanterns sway along the pier.*",
)
SCRIPT_PROMPT = (
    "my script stopped working, it says InvalidClientTokenId sometimes. fix it:\n"
    "```python\nimport boto3, json\n\n"
    'session = boto3.Session(\n    aws_access_key_id="{key_id}",\n    aws_secret_access_key="{secret}",\n'
    '    region_name="us-west-2",\n)\nclient = session.client("bedrock-runtime")\n'
    'body = json.dumps({{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 2000, "messages": msgs}})\n'
    "resp = client.invoke_model(modelId=MODEL, body=body)\n```"
)
SCRIPT_REPLY = (
    "The error means the key pair was rejected for some requests. Read the credentials from the environment "
    "instead of the source code and catch ClientError around invoke_model:"
)

_MESSAGE_ID_CHARS = string.ascii_letters + string.digits
_SECRET_CHARS = string.ascii_letters + string.digits + "/+"
_MODEL_NAME = re.compile(r"^(?:[a-z]{2,4}\.)?anthropic\.(?P<name>.+?)-v\d+:\d+$")


def anthropic_model_name(model_id: str) -> str:
    """The model name Anthropic's responses carry: ``us.anthropic.claude-3-7-sonnet-20250219-v1:0`` →
    ``claude-3-7-sonnet-20250219``."""
    found = _MODEL_NAME.match(model_id)
    return found["name"] if found else model_id


def synthetic_secret_key(rng: Random) -> str:
    """A made-up AWS secret access key (40 characters of its alphabet): never issued, only scanned for."""
    return "".join(rng.choice(_SECRET_CHARS) for _ in range(40))


def support_turn(rng: Random) -> tuple[str, str, str]:
    """(system prompt, question, answer) of one turn of the app's support chat."""
    question, answer = rng.choice(SUPPORT_TURNS)
    return SUPPORT_SYSTEM, question.format(n=rng.randint(10000, 99999)), answer


def roleplay_turn(rng: Random) -> tuple[str, str, str]:
    """(system prompt, user turn, reply) of one role-play exchange."""
    name, persona = rng.choice(CHARACTERS)
    system = ROLEPLAY_SYSTEM.format(name=name, persona=persona)
    return system, rng.choice(ROLEPLAY_TURNS), rng.choice(ROLEPLAY_REPLIES).format(name=name)


def script_turn(key_id: str, secret: str) -> tuple[str, str, str]:
    """(system prompt, user turn, reply) of the buyer asking for help with the client script holding the key."""
    return "You are a helpful coding assistant.", SCRIPT_PROMPT.format(key_id=key_id, secret=secret), SCRIPT_REPLY


def embedding_request(rng: Random) -> Body:
    """A Titan Text Embeddings V2 request for one chunk of the shop's documents."""
    return {"inputText": rng.choice(DOCUMENT_CHUNKS), "dimensions": 1024, "normalize": True}


def message_id(rng: Random) -> str:
    """An id of the form Anthropic's messages on Bedrock have (``msg_bdrk_01…``)."""
    return "msg_bdrk_01" + "".join(rng.choice(_MESSAGE_ID_CHARS) for _ in range(22))


def latency_ms(rng: Random, output_tokens: int, per_token_ms: int) -> tuple[int, int]:
    """(first byte, whole call) latency in milliseconds for a completion of ``output_tokens``."""
    first = rng.randint(350, 1400)
    return first, first + output_tokens * per_token_ms + rng.randint(0, 400)


def messages_request(system: str, turn: str, max_tokens: int, *, cached_system: bool = False) -> Body:
    """An Anthropic Messages API request (InvokeModel / InvokeModelWithResponseStream)."""
    system_block: Any = system
    if cached_system:
        system_block = [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
    return {
        "anthropic_version": ANTHROPIC_VERSION,
        "max_tokens": max_tokens,
        "system": system_block,
        "messages": [{"role": "user", "content": [{"type": "text", "text": turn}]}],
        "temperature": 0.9 if cached_system or max_tokens > 1024 else 0.3,
    }


def anthropic_usage(usage: TokenUsage) -> Body:
    """The ``usage`` object of an Anthropic response (cache counts only when the call used the cache)."""
    found: Body = {"input_tokens": usage.input, "output_tokens": usage.output}
    if usage.cache_read or usage.cache_write:
        found["cache_creation_input_tokens"] = usage.cache_write
        found["cache_read_input_tokens"] = usage.cache_read
    return found


def messages_response(rng: Random, model_id: str, reply: str, usage: TokenUsage) -> Body:
    """An Anthropic Messages API response (InvokeModel)."""
    return {
        "id": message_id(rng),
        "type": "message",
        "role": "assistant",
        "model": anthropic_model_name(model_id),
        "content": [{"type": "text", "text": reply}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": anthropic_usage(usage),
    }


def streamed_response(rng: Random, model_id: str, reply: str, usage: TokenUsage, per_token_ms: int) -> list[Body]:
    """The chunks of an InvokeModelWithResponseStream response, Bedrock's invocation metrics in the last one."""
    assert usage.input is not None and usage.output is not None
    start = anthropic_usage(TokenUsage(usage.input, 1, usage.cache_read, usage.cache_write))
    message: Body = {
        "id": message_id(rng),
        "type": "message",
        "role": "assistant",
        "model": anthropic_model_name(model_id),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": start,
    }
    cut = len(reply) // 2
    first_byte, total = latency_ms(rng, usage.output, per_token_ms)
    metrics: Body = {
        "inputTokenCount": usage.input,
        "outputTokenCount": usage.output,
        "invocationLatency": total,
        "firstByteLatency": first_byte,
    }
    if usage.cache_read or usage.cache_write:
        metrics["cacheReadInputTokenCount"] = usage.cache_read
        metrics["cacheWriteInputTokenCount"] = usage.cache_write
    return [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            for piece in (reply[:cut], reply[cut:])
        ),
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": usage.output},
        },
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics},
    ]


def converse_request(system: str, turn: str, max_tokens: int) -> Body:
    """A Converse API request."""
    return {
        "messages": [{"role": "user", "content": [{"text": turn}]}],
        "system": [{"text": system}],
        "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.3 if max_tokens <= 1024 else 0.9},
    }


def converse_response(rng: Random, reply: str, usage: TokenUsage, per_token_ms: int) -> Body:
    """A Converse API response."""
    assert usage.input is not None and usage.output is not None
    counts: Body = {"inputTokens": usage.input, "outputTokens": usage.output}
    if usage.cache_read or usage.cache_write:
        counts["cacheReadInputTokens"] = usage.cache_read
        counts["cacheWriteInputTokens"] = usage.cache_write
    total = usage.input + usage.output + (usage.cache_read or 0) + (usage.cache_write or 0)
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
        "stopReason": "end_turn",
        "metrics": {"latencyMs": latency_ms(rng, usage.output, per_token_ms)[1]},
        "usage": {**counts, "totalTokens": total},
    }
