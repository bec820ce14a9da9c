"""Text and bodies of Bedrock invocations, in the shapes each model family and API write them.

:class:`Phrasebook` makes the text of ordinary work (support chats, questions over retrieved documents,
summaries, code help, extraction, tool-using agents) from sentence templates, once per process from a seed.
The body builders turn one exchange (:class:`Exchange`) into the request and response bodies of the Converse
API or of a model family's own InvokeModel API (Anthropic Messages, Meta Llama, Amazon Nova, Amazon Titan Text,
Mistral), streamed or not. A streamed response is its chunks, a few words each, as Bedrock logs them.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "openai-app"))

from invocation_bodies import (
    ANTHROPIC_VERSION,
    anthropic_model_name,
    anthropic_usage,
    latency_ms,
    message_id,
    messages_response,
)

from jackwatch.cost import TokenUsage

Body = dict[str, Any]


class Family(StrEnum):
    """The InvokeModel body shape of a model."""

    ANTHROPIC = "anthropic"
    LLAMA = "llama"
    NOVA = "nova"
    TITAN = "titan"
    MISTRAL = "mistral"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One call's text: system prompt, earlier turns (user, assistant), the user's turn and the reply."""

    system: str
    history: Sequence[tuple[str, str]]
    user: str
    reply: str
    tools: Sequence[Body] = ()
    tool_turn: Sequence[Body] = ()
    """Converse content blocks (a toolUse and its toolResult) placed before the user's turn."""

    def prompt_chars(self) -> int:
        """Characters of prompt text (system, history, turn): what the input token count follows."""
        return len(self.system) + sum(len(a) + len(b) for a, b in self.history) + len(self.user)


def tokens(chars: int, rng: Random) -> int:
    """A token count for ``chars`` characters of English text (about four characters a token)."""
    return max(1, round(chars / 4 * rng.uniform(0.85, 1.15)))


# ------------------------------------------------------------------------------------------------- text

_FILL: dict[str, tuple[str, ...]] = {
    "product": (
        "Trailhead 45 backpack",
        "Alpine Shell jacket",
        "Polar 700 sleeping bag",
        "Ridge 2 tent",
        "Summit trekking poles",
        "Harbor rain boots",
        "Canyon water filter",
        "Nomad camp stove",
    ),
    "city": ("Dublin", "Lyon", "Austin", "Osaka", "Porto", "Calgary", "Leeds", "Bratislava", "Singapore"),
    "team": ("payments", "logistics", "growth", "platform", "data", "security", "finance", "support"),
    "metric": ("p95 latency", "conversion rate", "churn", "error rate", "order volume", "refund rate"),
    "region": ("Asia-Pacific", "EMEA", "North America", "Latin America", "Slovakia and Czechia", "the Nordics"),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "last week", "yesterday"),
    "status": ("label created", "in transit", "held at customs", "out for delivery", "returned to sender"),
    "name": ("Amira", "Ben", "Chloé", "Dmitri", "Esther", "Farid", "Grete", "Hugo", "Isla", "Jonas", "Keiko"),
    "table": ("orders", "customers", "shipments", "invoices", "refunds", "sessions", "events"),
    "service": ("checkout-api", "inventory-sync", "pricing-worker", "search-indexer", "email-dispatcher"),
}
_FILL_NUMBERS = {"n": (1000, 99999), "pct": (2, 48), "amount": (12, 2400), "count": (3, 250)}

TEMPLATES: dict[str, tuple[str, ...]] = {
    "question": (
        "Where is my order {n}? The tracking page has said {status} since {day}.",
        "Can I return the {product} I bought in {city}? I used it once on a weekend trip.",
        "I was charged {amount} EUR twice for order {n}, can you check what happened?",
        "Does the {product} come with a warranty, and how do I register it?",
        "How long does delivery to {city} take if I order before noon on {day}?",
        "My discount code SPRING{pct} is rejected at checkout, is it still valid?",
        "Is the {product} suitable for winter hiking in {region}?",
        "I want to change the delivery address of order {n} to our office in {city}.",
        "Why was my refund of {amount} EUR only partially paid back?",
        "Can you compare the {product} with the {product} for a two-week trek?",
        "What is our policy on risk-based authentication for orders above {amount} EUR?",
        "Which task-specific checks does the fraud team run on orders shipped to {region}?",
    ),
    "answer": (
        "Your order {n} left our warehouse on {day} and the carrier now shows it as {status}.",
        "Yes, items can be returned within 30 days if they are clean; start the return from your account page.",
        "I can see one payment and one pre-authorisation of {amount} EUR; the second one disappears within five "
        "working days.",
        "The {product} has a two-year warranty, five years when you register it online within a month.",
        "Orders placed before noon leave the same day; delivery to {city} usually takes two to four working days.",
        "That code expired on {day}; I have added a {pct} % voucher to your account instead.",
        "For {region} in winter I would pair the {product} with a warmer layer and check the forecast daily.",
        "I have updated the delivery address; you will receive a new confirmation e-mail in a few minutes.",
        "The refund was split because part of the order had already shipped; the rest follows in {count} days.",
        "Both are good choices: the first is lighter, the second is more durable on rough ground.",
        "Orders above {amount} EUR go through step-up verification, and the desk-side team reviews any that fail.",
        "The fraud team checks the address history, the device and the payment method before the parcel ships.",
    ),
    "document": (
        "Returns: items can be returned within 30 days of delivery; worn footwear is accepted if clean.",
        "The {product} is covered by a two-year warranty, extended to five years on registration.",
        "Shipping: orders placed before 14:00 leave the warehouse the same day; EU delivery takes 3-5 days.",
        "The {team} team owns the {service} service and is paged for incidents outside office hours.",
        "In Q3 the {metric} in {region} improved by {pct} % after the new checkout flow was rolled out.",
        "Customers in {city} reported {count} delayed parcels during the carrier strike on {day}.",
        "Access reviews are done every quarter; the {team} team signs off on every privileged role.",
        "Our incident runbook asks the on-call engineer to post an update every 30 minutes until resolved.",
        "Refunds above {amount} EUR need the approval of a finance lead before they are paid out.",
        "The {service} service retries failed messages {count} times with exponential back-off.",
        "Vendors that process personal data in {region} must sign the data processing addendum first.",
        "The private key rotation policy requires service certificates to be renewed every 90 days.",
        "The Azure migration of the {service} service is planned for the end of the quarter.",
    ),
    "summary": (
        "The {team} team shipped the new {service} release; {metric} is down {pct} % since {day}.",
        "Customer complaints in {city} are mostly about late deliveries and unclear tracking updates.",
        "Three action items remain open: the carrier contract, the refund backlog and the on-call rota.",
        "Revenue in {region} grew {pct} % quarter on quarter, driven by the {product}.",
        "The meeting agreed to postpone the pricing change until the {metric} stabilises.",
        "{name} will follow up with the {team} team on the {count} escalated tickets.",
    ),
    "code": (
        "The `{service}` job fails with a timeout when it reads more than {count} rows from `{table}`.",
        "How do I paginate `list_objects_v2` in boto3 without loading every key into memory?",
        "Refactor this function so that it does not query `{table}` inside the loop.",
        "Why does this SQL query on `{table}` do a sequential scan even though there is an index?",
        "Write a unit test for the retry logic in `{service}`, with a fake clock.",
        "The deployment to {region} fails with AccessDenied on `s3:PutObject`; what is missing?",
    ),
    "code_answer": (
        "The loop issues one query per item: collect the ids first and query `{table}` once with `IN`.",
        "Use a paginator: `client.get_paginator('list_objects_v2').paginate(Bucket=bucket)` yields pages lazily.",
        "The planner skips the index because the column is cast in the WHERE clause; compare the raw value.",
        "Inject the clock as a parameter so that the test can advance it without sleeping.",
        "The role lacks `s3:PutObject` on the bucket's objects: add `arn:aws:s3:::bucket/*` to the resource.",
    ),
}

SYSTEMS: dict[str, str] = {
    "support": "You are the support assistant of an outdoor equipment shop. Answer politely, in at most five "
    "sentences, only about orders, products, returns and shipping. Never invent order data: use the context. "
    "If the customer is upset, apologise once and offer a concrete next step. Escalate to a human agent when "
    "the customer asks for one, mentions a legal claim, or the order is above 2,000 EUR.",
    "rag": "Answer the question using only the documents between <documents> tags. Quote the document you "
    "rely on. If the documents do not contain the answer, say that you do not know; do not guess.",
    "summarise": "Summarise the text for a busy manager: three to six bullet points, then the decisions taken "
    "and the open action items with their owners. Keep numbers exact.",
    "code": "You are a senior engineer helping a colleague. Explain briefly, then show the corrected code. "
    "Prefer the standard library and the existing dependencies of the project.",
    "extract": "Extract the fields order_id, customer_sentiment (positive, neutral, negative), topic and "
    "urgency (low, medium, high) from the message. Answer with one JSON object and nothing else.",
    "agent": "You are an operations agent. Use the tools to look orders and shipments up before you answer; "
    "never guess a status. Answer in two sentences at most.",
}

_CODE_BLOCKS = (
    "```python\ndef load_{table}(session, ids):\n    rows = []\n    for item_id in ids:\n"
    "        rows.append(session.execute(select({table}).where({table}.c.id == item_id)).one())\n"
    "    return rows\n```",
    "```sql\nSELECT o.id, o.created_at, c.email\nFROM {table} o JOIN customers c ON c.id = o.customer_id\n"
    "WHERE CAST(o.created_at AS date) = CURRENT_DATE - 1\nORDER BY o.created_at DESC;\n```",
    "```python\nimport boto3\n\ns3 = boto3.client('s3', region_name='us-east-1')\n"
    "keys = [obj['Key'] for obj in s3.list_objects_v2(Bucket='{service}-exports')['Contents']]\n```",
    "```typescript\nexport async function retry<T>(fn: () => Promise<T>, attempts = {count}): Promise<T> {{\n"
    "  for (let i = 0; ; i++) {{\n    try {{ return await fn(); }} catch (e) {{ if (i >= attempts) throw e; }}\n"
    "    await new Promise((r) => setTimeout(r, 2 ** i * 100));\n  }}\n}}\n```",
    '```hcl\nresource "aws_iam_role_policy" "{service}" {{\n  role = aws_iam_role.{table}.id\n'
    '  policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = ["s3:GetObject"],'
    ' Resource = "*" }}] }})\n}}\n```',
)
PLACEHOLDER_KEYS = (
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
"""The documentation's sample key pair, as people paste it: never a finding."""


class Phrasebook:
    """Sentences and code of every kind, filled once from a seed; a call picks and joins a few of them."""

    def __init__(self, rng: Random, per_kind: int = 400) -> None:
        self.sentences = {
            kind: tuple(self._fill(rng.choice(templates), rng) for _ in range(per_kind))
            for kind, templates in TEMPLATES.items()
        }
        self.code = tuple(self._fill(rng.choice(_CODE_BLOCKS), rng) for _ in range(per_kind // 4))

    @staticmethod
    def _fill(template: str, rng: Random) -> str:
        values = {key: rng.choice(choices) for key, choices in _FILL.items()}
        values.update({key: str(rng.randint(*bounds)) for key, bounds in _FILL_NUMBERS.items()})
        return template.format(**values)

    def text(self, kind: str, rng: Random, low: int, high: int, sep: str = " ") -> str:
        """Between ``low`` and ``high`` sentences of ``kind``."""
        return sep.join(rng.choices(self.sentences[kind], k=rng.randint(low, high)))

    def exchange(self, task: str, rng: Random) -> Exchange:
        """A realistic call of an application doing ``task`` (a key of :data:`SYSTEMS`)."""
        system = SYSTEMS[task]
        if task == "support":
            history = [
                (self.text("question", rng, 1, 2), self.text("answer", rng, 1, 3)) for _ in range(rng.randint(0, 3))
            ]
            return Exchange(system, history, self.text("question", rng, 1, 3), self.text("answer", rng, 2, 6))
        if task == "rag":
            documents = "\n".join(
                f'<document index="{i}">{self.text("document", rng, 2, 6)}</document>' for i in range(rng.randint(2, 5))
            )
            user = f"<documents>\n{documents}\n</documents>\n\n{self.text('question', rng, 1, 1)}"
            return Exchange(system, (), user, self.text("answer", rng, 2, 5))
        if task == "summarise":
            text = self.text("document", rng, 6, 24, "\n") + "\n" + self.text("summary", rng, 2, 8, "\n")
            return Exchange(system, (), f"Summarise this:\n\n{text}", self.text("summary", rng, 3, 7, "\n- "))
        if task == "code":
            user = f"{self.text('code', rng, 1, 2)}\n\n{rng.choice(self.code)}"
            if rng.random() < 0.002:
                user += f"\n\nMy config file:\n{PLACEHOLDER_KEYS}"
            reply = f"{self.text('code_answer', rng, 1, 3)}\n\n{rng.choice(self.code)}"
            return Exchange(system, (), user, reply)
        if task == "extract":
            user = self.text("question", rng, 1, 3)
            reply = (
                f'{{"order_id": "{rng.randint(10000, 99999)}", "customer_sentiment": '
                f'"{rng.choice(("positive", "neutral", "negative"))}", "topic": "{rng.choice(_FILL["status"])}", '
                f'"urgency": "{rng.choice(("low", "medium", "high"))}"}}'
            )
            return Exchange(system, (), user, reply)
        return self._agent(rng)

    def _agent(self, rng: Random) -> Exchange:
        order = str(rng.randint(10000, 99999))
        use_id = "tooluse_" + "".join(rng.choices(string.ascii_letters + string.digits, k=22))
        status = {"order_id": order, "status": rng.choice(_FILL["status"]), "carrier": "DHL", "eta": "2026-11-28"}
        turn = [
            {"toolUse": {"toolUseId": use_id, "name": "get_order_status", "input": {"order_id": order}}},
            {"toolResult": {"toolUseId": use_id, "content": [{"json": status}], "status": "success"}},
        ]
        return Exchange(
            SYSTEMS["agent"], (), self.text("question", rng, 1, 2), self.text("answer", rng, 1, 2), AGENT_TOOLS, turn
        )


AGENT_TOOLS: tuple[Body, ...] = (
    {
        "toolSpec": {
            "name": "get_order_status",
            "description": "The status, carrier and expected delivery date of an order.",
            "inputSchema": {
                "json": {
                    "type": "object",
                    "properties": {"order_id": {"type": "string", "description": "The order number."}},
                    "required": ["order_id"],
                }
            },
        }
    },
    {
        "toolSpec": {
            "name": "list_shipments",
            "description": "Shipments of a warehouse on a day.",
            "inputSchema": {
                "json": {
                    "type": "object",
                    "properties": {"warehouse": {"type": "string"}, "day": {"type": "string", "format": "date"}},
                    "required": ["warehouse", "day"],
                }
            },
        }
    },
)


def pieces(text: str, rng: Random) -> list[str]:
    """``text`` cut into stream deltas of one to four words (each with its following space)."""
    words = text.split(" ")
    found: list[str] = []
    position = 0
    while position < len(words):
        step = rng.randint(1, 4)
        found.append(" ".join(words[position : position + step]) + (" " if position + step < len(words) else ""))
        position += step
    return found


# -------------------------------------------------------------------------------------------- bodies


@dataclass(slots=True)
class Call:
    """What a builder needs: the exchange, its counts, the model, and whether the response is streamed."""

    exchange: Exchange
    usage: TokenUsage
    model_id: str
    max_tokens: int
    stream: bool
    rng: Random
    guardrail: bool = False
    per_token_ms: int = 12

    def invocation_metrics(self) -> Body:
        """The ``amazon-bedrock-invocationMetrics`` of a stream's last chunk."""
        first, total = latency_ms(self.rng, self.usage.output or 0, self.per_token_ms)
        return {
            "inputTokenCount": self.usage.input,
            "outputTokenCount": self.usage.output,
            "invocationLatency": total,
            "firstByteLatency": first,
        }


BLOCKED_REPLY = "Sorry, the model cannot answer this question."


def converse_request(call: Call) -> Body:
    """A Converse / ConverseStream request."""
    ex = call.exchange
    messages: list[Body] = []
    for user, assistant in ex.history:
        messages += [_text_message("user", user), _text_message("assistant", assistant)]
    if ex.tool_turn:
        messages += [
            {"role": "assistant", "content": [ex.tool_turn[0]]},
            {"role": "user", "content": [ex.tool_turn[1]]},
        ]
    messages.append(_text_message("user", ex.user))
    body: Body = {
        "messages": messages,
        "system": [{"text": ex.system}],
        "inferenceConfig": {"maxTokens": call.max_tokens, "temperature": 0.5, "topP": 0.9},
    }
    if ex.tools:
        body["toolConfig"] = {"tools": list(ex.tools)}
    return body


def converse_response(call: Call) -> Body:
    """A Converse response (ConverseStream calls are logged in the same form)."""
    usage = call.usage
    counts: Body = {"inputTokens": usage.input, "outputTokens": usage.output}
    total = (usage.input or 0) + (usage.output or 0)
    if usage.cache_read or usage.cache_write:
        counts |= {"cacheReadInputTokens": usage.cache_read, "cacheWriteInputTokens": usage.cache_write}
        total += (usage.cache_read or 0) + (usage.cache_write or 0)
    body: Body = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"text": BLOCKED_REPLY if call.guardrail else call.exchange.reply}],
            }
        },
        "stopReason": "guardrail_intervened" if call.guardrail else "end_turn",
        "metrics": {"latencyMs": latency_ms(call.rng, usage.output or 0, call.per_token_ms)[1]},
        "usage": {**counts, "totalTokens": total},
    }
    if call.guardrail:
        body["trace"] = {"guardrail": GUARDRAIL_TRACE}
    return body


GUARDRAIL_TRACE: Body = {
    "inputAssessment": {
        "f1c2d3e4a5b6": {
            "contentPolicy": {"filters": [{"type": "MISCONDUCT", "confidence": "HIGH", "action": "BLOCKED"}]},
            "invocationMetrics": {"guardrailProcessingLatency": 212, "usage": {"contentPolicyUnits": 1}},
        }
    }
}


def invoke_request(family: Family, call: Call) -> Body:
    """An InvokeModel request body in the model family's own shape."""
    ex = call.exchange
    if family is Family.ANTHROPIC:
        messages: list[Body] = []
        for user, assistant in ex.history:
            messages += [_anthropic_message("user", user), _anthropic_message("assistant", assistant)]
        messages.append(_anthropic_message("user", ex.user))
        return {
            "anthropic_version": ANTHROPIC_VERSION,
            "max_tokens": call.max_tokens,
            "system": ex.system,
            "messages": messages,
            "temperature": 0.5,
        }
    if family is Family.LLAMA:
        turns = "".join(
            f"<|start_header_id|>user<|end_header_id|>\n\n{user}<|eot_id|>"
            f"<|start_header_id|>assistant<|end_header_id|>\n\n{assistant}<|eot_id|>"
            for user, assistant in ex.history
        )
        prompt = (
            f"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{ex.system}<|eot_id|>{turns}"
            f"<|start_header_id|>user<|end_header_id|>\n\n{ex.user}<|eot_id|><|start_header_id|>assistant"
            "<|end_header_id|>\n\n"
        )
        return {"prompt": prompt, "max_gen_len": call.max_tokens, "temperature": 0.5, "top_p": 0.9}
    if family is Family.NOVA:
        messages = []
        for user, assistant in ex.history:
            messages += [_text_message("user", user), _text_message("assistant", assistant)]
        messages.append(_text_message("user", ex.user))
        return {
            "schemaVersion": "messages-v1",
            "system": [{"text": ex.system}],
            "messages": messages,
            "inferenceConfig": {"maxTokens": call.max_tokens, "temperature": 0.5, "topP": 0.9},
        }
    if family is Family.TITAN:
        turns = "".join(f"User: {user}\nBot: {assistant}\n" for user, assistant in ex.history)
        return {
            "inputText": f"{ex.system}\n\n{turns}User: {ex.user}\nBot:",
            "textGenerationConfig": {
                "maxTokenCount": call.max_tokens,
                "temperature": 0.5,
                "topP": 0.9,
                "stopSequences": [],
            },
        }
    turns = "".join(f"[INST] {user} [/INST] {assistant}</s>" for user, assistant in ex.history)
    return {
        "prompt": f"<s>{turns}[INST] {ex.system}\n\n{ex.user} [/INST]",
        "max_tokens": call.max_tokens,
        "temperature": 0.5,
    }


def invoke_response(family: Family, call: Call) -> Body | list[Body]:
    """An InvokeModel response body, or the chunks of an InvokeModelWithResponseStream response."""
    if call.stream:
        return _stream(family, call)
    usage, reply, rng = call.usage, call.exchange.reply, call.rng
    if family is Family.ANTHROPIC:
        body = messages_response(rng, call.model_id, BLOCKED_REPLY if call.guardrail else reply, usage)
        if call.guardrail:
            body["amazon-bedrock-guardrailAction"] = "INTERVENED"
        return body
    if family is Family.LLAMA:
        return {
            "generation": reply,
            "prompt_token_count": usage.input,
            "generation_token_count": usage.output,
            "stop_reason": "stop",
        }
    if family is Family.NOVA:
        total = (usage.input or 0) + (usage.output or 0)
        return {
            "output": {"message": {"content": [{"text": reply}], "role": "assistant"}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": usage.input, "outputTokens": usage.output, "totalTokens": total},
        }
    if family is Family.TITAN:
        return {
            "inputTextTokenCount": usage.input,
            "results": [{"tokenCount": usage.output, "outputText": reply, "completionReason": "FINISH"}],
        }
    return {"outputs": [{"text": reply, "stop_reason": "stop"}]}


def _stream(family: Family, call: Call) -> list[Body]:
    usage, rng = call.usage, call.rng
    deltas = pieces(call.exchange.reply, rng)
    metrics = {"amazon-bedrock-invocationMetrics": call.invocation_metrics()}
    if family is Family.ANTHROPIC:
        start = anthropic_usage(TokenUsage(usage.input, 1, usage.cache_read, usage.cache_write))
        message = {
            "id": message_id(rng),
            "type": "message",
            "role": "assistant",
            "model": anthropic_model_name(call.model_id),
            "content": [],
            "usage": start,
        }
        return [
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": d}} for d in deltas),
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": usage.output}},
            {"type": "message_stop", **metrics},
        ]
    if family is Family.LLAMA:
        chunks: list[Body] = [
            {
                "generation": d,
                "prompt_token_count": usage.input if i == 0 else None,
                "generation_token_count": i + 1,
                "stop_reason": None,
            }
            for i, d in enumerate(deltas)
        ]
        chunks[-1] = {**chunks[-1], "stop_reason": "stop", **metrics}
        return chunks
    if family is Family.NOVA:
        return [
            {"messageStart": {"role": "assistant"}},
            *({"contentBlockDelta": {"delta": {"text": d}, "contentBlockIndex": 0}} for d in deltas),
            {"contentBlockStop": {"contentBlockIndex": 0}},
            {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": {"inputTokens": usage.input, "outputTokens": usage.output}}, **metrics},
        ]
    if family is Family.TITAN:
        chunks = [
            {"outputText": d, "index": 0, "totalOutputTextTokenCount": i + 1, "completionReason": None}
            for i, d in enumerate(deltas)
        ]
        chunks[0]["inputTextTokenCount"] = usage.input
        chunks[-1] = {**chunks[-1], "completionReason": "FINISH", **metrics}
        return chunks
    chunks = [{"outputs": [{"text": d, "stop_reason": None}]} for d in deltas]
    chunks[-1] = {"outputs": [{"text": deltas[-1], "stop_reason": "stop"}], **metrics}
    return chunks


def _text_message(role: str, text: str) -> Body:
    return {"role": role, "content": [{"text": text}]}


def _anthropic_message(role: str, text: str) -> Body:
    return {"role": role, "content": [{"type": "text", "text": text}]}
