"""The SMS and voice gateway of two-factor sign-in when no Twilio account is configured (demo, tests): each code is
logged and kept in :data:`outbox`, as Django's locmem email backend keeps mail, so that a test (or a developer at the
console) reads the code the user would have received. Production sets Twilio (site/config/settings/production.py)."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentCode:
    kind: str  # "sms" or "call"
    to: str  # E.164
    token: str


outbox: deque[SentCode] = deque(maxlen=200)  # the latest codes; never grows past that


class OutboxGateway:
    """django-two-factor-auth gateway (``TWO_FACTOR_SMS_GATEWAY`` / ``TWO_FACTOR_CALL_GATEWAY``)."""

    @staticmethod
    def send_sms(device, token):
        _keep("sms", device, token)

    @staticmethod
    def make_call(device, token):
        _keep("call", device, token)


def _keep(kind: str, device, token: str) -> None:
    to = device.number.as_e164
    outbox.append(SentCode(kind=kind, to=to, token=str(token)))
    logger.info("%s to %s: sign-in code %s", kind.upper(), to, token)
