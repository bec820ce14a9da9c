"""Azure Resource Manager resource ids, split into subscription, resource group, type and name.

Resource logs write ids in upper case (``/SUBSCRIPTIONS/…/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/
OPENAI-PROD``), the Activity log in the case they were created with; Azure compares them without regard to
case. Every part is kept in lower case so that one resource reads the same in every log.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

COGNITIVE_SERVICES_ACCOUNT = "microsoft.cognitiveservices/accounts"


@dataclass(frozen=True, slots=True)
class ResourceId:
    """The parts of one resource id, in lower case; a part the id does not have is ``None``.

    ``type`` and ``name`` are those of the top-level resource (``microsoft.cognitiveservices/accounts``
    and the account name), also for a child resource such as ``…/accounts/openai-prod/deployments/gpt-4o``.
    """

    id: str
    subscription: str | None
    resource_group: str | None
    type: str | None
    name: str | None

    @property
    def account(self) -> str | None:
        """The Cognitive Services account name, when the resource is one (or a child of one)."""
        return self.name if self.type == COGNITIVE_SERVICES_ACCOUNT else None


@lru_cache(maxsize=4096)
def parse_resource_id(text: str) -> ResourceId:
    """The parts of ``text``; an id that is not an ARM path keeps only its lower-cased text."""
    lowered = text.strip().lower()
    parts = [part for part in lowered.split("/") if part]
    found: dict[str, str] = {}
    position = 0
    while position + 1 < len(parts):
        key, value = parts[position], parts[position + 1]
        if key == "providers":
            if position + 3 < len(parts):
                found["type"] = f"{value}/{parts[position + 2]}"
                found["name"] = parts[position + 3]
            break
        if key in ("subscriptions", "resourcegroups"):
            found[key] = value
        position += 2
    return ResourceId(
        lowered, found.get("subscriptions"), found.get("resourcegroups"), found.get("type"), found.get("name")
    )
