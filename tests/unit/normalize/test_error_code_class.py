"""Classes of CloudTrail errorCode values."""

from __future__ import annotations

import pytest

from jackwatch.normalize import ErrorClass, error_class

E = ErrorClass


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AccessDenied", E.ACCESS_DENIED),
        ("AccessDeniedException", E.ACCESS_DENIED),
        ("Client.UnauthorizedOperation", E.ACCESS_DENIED),
        ("UnauthorizedOperation", E.ACCESS_DENIED),
        ("UnrecognizedClientException", E.ACCESS_DENIED),
        ("InvalidClientTokenId", E.ACCESS_DENIED),
        ("ExpiredToken", E.ACCESS_DENIED),
        ("AuthFailure", E.ACCESS_DENIED),
        ("ValidationException", E.VALIDATION),
        ("ValidationError", E.VALIDATION),
        ("InvalidParameterValue", E.VALIDATION),
        ("Client.InvalidParameterValue", E.VALIDATION),
        ("MalformedPolicyDocument", E.VALIDATION),
        ("ThrottlingException", E.THROTTLING),
        ("Throttling", E.THROTTLING),
        ("TooManyRequestsException", E.THROTTLING),
        ("Client.RequestLimitExceeded", E.THROTTLING),
        ("ResourceNotFoundException", E.NOT_FOUND),
        ("NoSuchEntity", E.NOT_FOUND),
        ("NoSuchBucket", E.NOT_FOUND),
        ("Client.InvalidInstanceID.NotFound", E.NOT_FOUND),
        ("ServiceUnavailableException", E.OTHER),
        ("InternalServerException", E.OTHER),
        ("ModelNotReadyException", E.OTHER),
        ("EntityAlreadyExists", E.OTHER),
    ],
)
def test_error_class(code: str, expected: ErrorClass) -> None:
    assert error_class(code) is expected


@pytest.mark.parametrize("value", [None, "", "  ", 403])
def test_no_error(value: object) -> None:
    assert error_class(value) is None
