"""Normalisation of CloudTrail values: principal and credential kind, source IP, ASN, user agent,
error class and Bedrock model id. Pure functions (memoised where inputs repeat) and immutable data."""

from jackwatch.normalize.asn import Asn, AsnDb, AsnRange
from jackwatch.normalize.error_code import ErrorClass, error_class
from jackwatch.normalize.ip import SourceIp, parse_source_ip
from jackwatch.normalize.model_id import ModelId, ModelRefKind, model_id_from_record, normalize_model_id
from jackwatch.normalize.principal import CredentialKind, Principal, PrincipalKind, principal_from_record
from jackwatch.normalize.useragent import UserAgentFamily, user_agent_family

__all__ = [
    "Asn",
    "AsnDb",
    "AsnRange",
    "CredentialKind",
    "ErrorClass",
    "ModelId",
    "ModelRefKind",
    "Principal",
    "PrincipalKind",
    "SourceIp",
    "UserAgentFamily",
    "error_class",
    "model_id_from_record",
    "normalize_model_id",
    "parse_source_ip",
    "principal_from_record",
    "user_agent_family",
]
