"""Removing secrets from what gets logged. No imports but `re`: gunicorn's config loads this.

Which paths hold a secret is derived from the URL map, not listed by hand: every rule with an
argument named in SECRET_ARGUMENTS (`/auth/reset/<token>`, `/auth/invite/<token>`,
`/account/confirm/<token>`, and any added later). `create_app` installs those rules here
(`install`), in every process that serves, gunicorn's workers included, whose access-log
lines go through `loggable_path` (gunicorn.conf.py). Until rules are installed, every
path is cut after its first segment: a process without the app logs too little, never a secret.
tests/test_hardening.py checks that every path argument is either one of these names or a
known public one, so a secret under another name fails the suite.
"""

import re
from collections.abc import Iterable
from typing import Any

# A path argument with one of these names is a secret: its segment never reaches a log.
SECRET_ARGUMENTS = frozenset({"token", "key", "secret", "signature"})
REDACTED = "[redacted]"
_VARIABLE = re.compile(r"<(?:([a-zA-Z_][a-zA-Z0-9_]*)(?:\([^>]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

# One entry per secret rule: per segment, its pattern and what to do with it ("keep",
# "secret", or "rest": a secret that may span slashes, the path converter).
_rules: dict[str, list[tuple[re.Pattern[str], str]]] = {}
_installed: list[bool] = []  # not empty once an app has installed its rules


def secret_rules(rules: Iterable[Any]) -> list[str]:
    """The rule strings (werkzeug `Rule.rule`) of the rules with a secret argument."""
    found = {rule.rule for rule in rules if SECRET_ARGUMENTS & set(rule.arguments)}
    return sorted(found)


def _segments(rule: str) -> list[tuple[re.Pattern[str], str]]:
    compiled = []
    for segment in [part for part in rule.split("/") if part]:
        kind, pattern, last = "keep", "", 0
        for match in _VARIABLE.finditer(segment):
            converter, name = match.group(1) or "default", match.group(2)
            pattern += re.escape(segment[last : match.start()]) + "[^/]*"
            last = match.end()
            if name in SECRET_ARGUMENTS:
                kind = "rest" if converter == "path" else "secret"
        pattern += re.escape(segment[last:])
        compiled.append((re.compile(pattern), kind))
    return compiled


def install(rules: Iterable[Any]) -> list[str]:
    """Redact the secret segments of these URL rules from now on (kept with earlier ones)."""
    names = secret_rules(rules)
    for rule in names:
        _rules.setdefault(rule, _segments(rule))
    _installed.append(True)
    return names


def installed() -> list[str]:
    """The secret rules this process redacts."""
    return sorted(_rules)


def loggable_path(path: str) -> str:
    """The path with the secret segments of any secret-bearing rule replaced.

    Segments are compared without empty ones (`/auth//reset/x` reaches the same view after a
    redirect), and a path longer than the rule matches by its start (`/auth/reset/x/y`)."""
    parts = path.split("/")
    if not _installed:
        return "/".join(parts[:2]) + ("/" + REDACTED if len(parts) > 2 else "")
    filled = [index for index, part in enumerate(parts) if part]
    for segments in _rules.values():
        if len(filled) < len(segments):
            continue
        pairs = zip(segments, filled, strict=False)
        if not all(pattern.fullmatch(parts[index]) for (pattern, _kind), index in pairs):
            continue
        for position, ((_pattern, kind), index) in enumerate(zip(segments, filled, strict=False)):
            if kind == "keep":
                continue
            parts[index] = REDACTED
            if kind == "rest" or position == len(segments) - 1:
                # The secret may go on past a slash (an encoded one is decoded by then).
                return "/".join(parts[: index + 1])
        return "/".join(parts)
    return path


# --- whole log lines -------------------------------------------------------------------------

# A query string after a path or URL (search terms about people, tokens in links).
_QUERY = re.compile(r"(/[^\s?\"'<>]*)\?[^\s\"'<>]*")
# A request line's path, whose secret segments loggable_path removes.
_REQUEST_PATH = re.compile(r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)(\s+)(/[^\s\"'<>]*)")
# An API token (services/tokens.py), wherever it appears.
_API_TOKEN = re.compile(r"ngowg_[A-Za-z0-9_\-]{16,}")


def redact_text(text: str) -> str:
    """A log line without query strings, secret path segments or API tokens: the one
    redaction of gunicorn's access and error logs and the app's own (LogRedactor)."""
    if "?" in text:
        text = _QUERY.sub(r"\1", text)
    text = _REQUEST_PATH.sub(lambda m: m[1] + m[2] + loggable_path(m[3]), text)
    if "ngowg_" in text:
        text = _API_TOKEN.sub("ngowg_" + REDACTED, text)
    return text


class LogRedactor:
    """A logging filter (for handlers: it sees every record they write, whichever logger made
    it) that rewrites each record's message, and its traceback text, through redact_text."""

    def filter(self, record: Any) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it itself
            return True
        record.msg, record.args = redact_text(message), None
        if record.exc_info and not record.exc_text:
            import logging

            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


LOG_REDACTOR = LogRedactor()


def redact_handlers(logger: Any) -> None:
    """Put the redactor on every handler of `logger` (a logging.Logger)."""
    for handler in logger.handlers:
        handler.addFilter(LOG_REDACTOR)
