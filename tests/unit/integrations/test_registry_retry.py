"""The retry configuration handed to urllib3: what is retried and how long it waits."""

from __future__ import annotations

import random

import pytest
from urllib3.util.retry import RequestHistory

from integrations.registry.http import FullJitterRetry, RetryPolicy, make_retry


def after_errors(retry: FullJitterRetry, errors: int) -> FullJitterRetry:
    """Return the retry state after a number of failed attempts."""
    history = tuple(RequestHistory("GET", "/x", None, 503, None) for _ in range(errors))
    return retry.new(history=history)


def test_backoff_is_full_jitter_under_the_exponential_cap() -> None:
    random.seed(7)
    retry = make_retry(RetryPolicy(retries=10, backoff=0.1, backoff_max=0.5))
    for errors, cap in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (8, 0.5)]:
        draws = [after_errors(retry, errors).get_backoff_time() for _ in range(400)]
        assert min(draws) >= 0.0 and max(draws) <= cap
        assert max(draws) > 0.8 * cap and min(draws) < 0.2 * cap  # spread over the whole range


def test_no_wait_before_the_first_attempt_or_without_backoff() -> None:
    assert make_retry(RetryPolicy()).get_backoff_time() == 0.0
    no_backoff = make_retry(RetryPolicy(retries=3, backoff=0.0))
    assert after_errors(no_backoff, 2).get_backoff_time() == 0.0


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_server_errors_are_retried(status: int) -> None:
    assert make_retry(RetryPolicy()).is_retry("GET", status)


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 429])
def test_client_errors_are_not_retried(status: int) -> None:
    assert not make_retry(RetryPolicy()).is_retry("GET", status, has_retry_after=True)


def test_only_get_is_retried_by_default() -> None:
    assert not make_retry(RetryPolicy()).is_retry("POST", 503)


def test_attempt_budget_matches_the_policy() -> None:
    retry = make_retry(RetryPolicy(retries=2))
    assert (retry.total, retry.connect, retry.read, retry.status) == (2, 2, 2, 2)
    assert retry.redirect == 0 and not retry.raise_on_status
