"""Signing in through the real pages: the password form, then the two-factor step where the
account is enrolled. One way for every client that posts forms with their CSRF token: the Flask
test client of the tests (`flask_client.Client`) and a browser on a served app (`http.Tab`).
(The Playwright tests type into the same pages: tests/browser/helpers.py.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import pyotp

LOGIN = "/auth/login"
TWO_FACTOR = "/auth/two-factor"
STEP_SECONDS = 30  # one TOTP step


class Forms(Protocol):
    """A client that posts a form with its CSRF token; its answers have `status_code`,
    `location` and `text` (Flask's test responses and `http.Page` both do)."""

    def form(self, path: str, fields: dict[str, Any]) -> Any: ...


class SignInFailed(AssertionError):
    """The pages did not sign her in (an AssertionError: in a test, a failure)."""


def send_password(client: Forms, email: str, password: str) -> Any:
    """One post of the sign-in form: the answer, whatever it is (a refusal too)."""
    return client.form(LOGIN, {"email": email, "password": password})


def sign_in(
    client: Forms, email: str, password: str, *, code: Callable[[], str] | None = None
) -> Any:
    """Sign in through the pages: the password, then `code()` on the two-factor step where
    the account is enrolled. The answer that signed her in (a redirect), or SignInFailed."""
    answer = send_password(client, email, password)
    step = "the sign-in form"
    if (answer.location or "").endswith(TWO_FACTOR):
        if code is None:
            raise SignInFailed(f"{email} is asked for a two-factor code, and has none")
        answer = client.form(TWO_FACTOR, {"code": code()})
        step = "the two-factor step"
    if answer.status_code != 302:
        raise SignInFailed(
            f"{email} could not sign in: {step} answered {answer.status_code}\n{answer.text[:500]}"
        )
    return answer


def code_at(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows for `secret`, `offset_steps` steps from now."""
    return pyotp.TOTP(secret).at(time.time() + STEP_SECONDS * offset_steps)


def steps_to_unspent(last_step: int | None) -> int:
    """How many steps from now the first code not used yet is: a code is accepted once per
    step, and `last_step` is the last step the account signed in with (None: never)."""
    if last_step is None:
        return 0
    return max(0, last_step + 1 - int(time.time() // STEP_SECONDS))


def unspent_code(secret: str, last_step: int | None) -> str:
    """A code of a step the account has not used yet."""
    return code_at(secret, steps_to_unspent(last_step))
