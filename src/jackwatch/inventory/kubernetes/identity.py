"""Cloud identities a workload can use without a key: what its service account and its pods say.

- AWS IRSA: ``eks.amazonaws.com/role-arn`` on the service account (or, in a live pod, the ``AWS_ROLE_ARN`` and
  ``AWS_WEB_IDENTITY_TOKEN_FILE`` variables the EKS webhook injects).
- EKS Pod Identity: the association lives in AWS, not in Kubernetes; a live pod shows it through the injected
  ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (the agent at ``169.254.170.23``). Manifests do not show it.
- GKE Workload Identity: ``iam.gke.io/gcp-service-account`` on the service account.
- Azure workload identity: ``azure.workload.identity/client-id`` on the service account, in force only for pods
  labelled ``azure.workload.identity/use: "true"`` (or, in a live pod, the injected ``AZURE_CLIENT_ID`` and
  ``AZURE_FEDERATED_TOKEN_FILE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jackwatch.inventory.kubernetes.objects import K8sObject

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_ANNOTATION = "iam.gke.io/gcp-service-account"
AZURE_ANNOTATION = "azure.workload.identity/client-id"
AZURE_USE_LABEL = "azure.workload.identity/use"
POD_IDENTITY_AGENT = "169.254.170.23"


@dataclass(frozen=True, slots=True)
class WorkloadIdentity:
    """A cloud identity of a workload: ``provider`` (``aws_irsa``, ``aws_pod_identity``, ``gcp_workload_identity``,
    ``azure_workload_identity``), the ``principal`` (role ARN, Google service account e-mail, Azure client id;
    empty when only the mechanism is visible), where it was seen, and whether it is in force (``active``)."""

    provider: str
    principal: str
    source: str
    active: bool = True

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"provider": self.provider, "principal": self.principal, "source": self.source, "active": self.active}


def workload_identities(
    account: K8sObject | None, pod_labels: Mapping[str, str], envs: Sequence[Mapping[str, str]]
) -> list[WorkloadIdentity]:
    """The identities a workload gets from its service account ``account`` (when known), its pod labels and its
    containers' literal environments."""
    found: list[WorkloadIdentity] = []
    if account is not None:
        annotations = account.annotations
        where = f"ServiceAccount {account.namespace}/{account.name}"
        if role := annotations.get(IRSA_ANNOTATION, "").strip():
            found.append(WorkloadIdentity("aws_irsa", role, f"{where} annotation {IRSA_ANNOTATION}"))
        if email := annotations.get(GKE_ANNOTATION, "").strip():
            found.append(WorkloadIdentity("gcp_workload_identity", email, f"{where} annotation {GKE_ANNOTATION}"))
        if client := annotations.get(AZURE_ANNOTATION, "").strip():
            active = pod_labels.get(AZURE_USE_LABEL, "").lower() == "true"
            found.append(
                WorkloadIdentity("azure_workload_identity", client, f"{where} annotation {AZURE_ANNOTATION}", active)
            )
    seen = {(identity.provider, identity.principal) for identity in found}
    for env in envs:
        for identity in _from_env(env):
            if (identity.provider, identity.principal) not in seen:
                seen.add((identity.provider, identity.principal))
                found.append(identity)
    return found


def _from_env(env: Mapping[str, str]) -> list[WorkloadIdentity]:
    found = []
    if env.get("AWS_ROLE_ARN") and env.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        found.append(WorkloadIdentity("aws_irsa", env["AWS_ROLE_ARN"], "env AWS_ROLE_ARN"))
    if POD_IDENTITY_AGENT in env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", ""):
        found.append(WorkloadIdentity("aws_pod_identity", "", "env AWS_CONTAINER_CREDENTIALS_FULL_URI"))
    if env.get("AZURE_CLIENT_ID") and env.get("AZURE_FEDERATED_TOKEN_FILE"):
        found.append(WorkloadIdentity("azure_workload_identity", env["AZURE_CLIENT_ID"], "env AZURE_CLIENT_ID"))
    return found
