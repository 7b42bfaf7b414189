"""Domain errors carry no HTTP code: the app maps each class, and a subclass answers as its base."""

from __future__ import annotations

import pytest

from echallan.core.errors import STATUS, status_of
from integrations.registry.base import RegistryUnavailable, VehicleNotFound
from integrations.sms.base import SmsFailure
from rules import errors
from vision.errors import ClipError


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.DomainError("x"), 400),
        (errors.InvalidInput("x"), 422),
        (errors.IllegalTransition("x"), 409),
        (errors.Forbidden("x"), 403),
        (ClipError("x"), 422),
        (VehicleNotFound("ABC-123"), 404),
        (RegistryUnavailable("down"), 503),
        (SmsFailure("refused"), 502),
    ],
)
def test_each_error_answers_with_the_status_of_its_nearest_listed_class(error, status) -> None:  # noqa: ANN001
    assert status_of(error) == status


def test_rules_errors_carry_no_transport_code() -> None:
    assert not any(hasattr(kind, "status") for kind in STATUS)
