"""Sending SMS notices: an HTTP gateway client, and file and console senders."""

from integrations.sms.base import (
    SendResult,
    SmsFailure,
    SmsPermanentFailure,
    SmsSender,
    SmsTemporaryFailure,
    normalize_msisdn,
)
from integrations.sms.http import HttpSmsGateway
from integrations.sms.local import ConsoleSmsSender, FileSmsSender

__all__ = [
    "ConsoleSmsSender",
    "FileSmsSender",
    "HttpSmsGateway",
    "SendResult",
    "SmsFailure",
    "SmsPermanentFailure",
    "SmsSender",
    "SmsTemporaryFailure",
    "normalize_msisdn",
]
