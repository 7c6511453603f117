"""vCards (RFC 6350) holding only what a viewer may see of a person, and the file's name.

A card is built from a `privacy.PersonView`, never from the model: what the view does not hold
cannot reach the card. Messaging handles become IMPP URIs (`signal:+249…`, `whatsapp:+249…`,
`telegram:username`) when the stored text says which service they are on; a handle that does
not say (a bare `@name`, a number without a service) is kept as a note, word for word, rather
than guessed into the wrong app.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import vobject

from .. import privacy, reference
from ..validation import ValidationError, normalise_phone

# The services a stored handle may name: (URI scheme, name shown by address books).
SERVICES = {
    "signal": ("signal", "Signal"),
    "whatsapp": ("whatsapp", "WhatsApp"),
    "telegram": ("telegram", "Telegram"),
}
# "Signal: +249 912 345 678", "WhatsApp +249…", "telegram @name" (a word, then ":" or a space).
_LABELLED = re.compile(r"^(signal|whats\s?app|telegram)\s*(?::|\s)\s*(.+)$", re.IGNORECASE)
# Links the services hand out: signal.me/#p/+number, wa.me/number, t.me/username.
_LINKS = (
    (re.compile(r"^(?:https?://)?signal\.me/#p/(\+?\d{6,15})/?$", re.IGNORECASE), "signal"),
    (re.compile(r"^(?:https?://)?(?:api\.)?wa\.me/(\+?\d{6,15})/?$", re.IGNORECASE), "whatsapp"),
    (
        re.compile(r"^(?:https?://)?(?:t|telegram)\.me/@?([A-Za-z0-9_]{5,32})/?$", re.IGNORECASE),
        "telegram",
    ),
)
_PHONE = re.compile(r"^\+?[\d\s().\-]{6,24}$")
# Signal usernames are a nickname, a dot and digits; Telegram's 5 to 32 letters, digits, "_".
_USERNAMES = {
    "signal": re.compile(r"^@?([A-Za-z_][A-Za-z0-9_]{2,31}\.\d{2,9})$"),
    "telegram": re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{4,31})$"),
}
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _phone(text: str, country: str | None) -> str | None:
    if not _PHONE.match(text):
        return None
    try:
        return normalise_phone(text, country)
    except ValidationError:
        return None


def messaging_uri(value: str, country: str | None = None) -> tuple[str, str] | None:
    """The handle as an IMPP URI and its service's name, or None when the text does not say
    which service it is on (a number read with the dialling rules of `country`)."""
    text = " ".join(value.split()).rstrip(".")
    for pattern, service in _LINKS:
        link = pattern.match(text)
        if link:
            handle = link.group(1)
            if service != "telegram":
                handle = "+" + handle.lstrip("+")
            scheme, label = SERVICES[service]
            return f"{scheme}:{handle}", label
    labelled = _LABELLED.match(text)
    if labelled is None:
        return None
    service = re.sub(r"\s", "", labelled.group(1)).lower()
    handle = labelled.group(2).strip().strip("()")
    scheme, label = SERVICES[service]
    number = _phone(handle, country)
    if number is not None:
        return f"{scheme}:{number}", label
    username = _USERNAMES.get(service)
    found = username.match(handle) if username else None
    if found is None:
        return None
    return f"{scheme}:{found.group(1)}", label


def vcard_for(view: privacy.PersonView, *, with_country: bool = False) -> str:
    """One vCard 4.0 (RFC 6350) holding only what the view holds."""
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("fn").value = view.name
    card.add("n").value = vobject.vcard.Name(given=view.name)
    # Her organisation, and her mission or UN entity (a policy-maker's only one).
    for org in dict.fromkeys(
        name
        for name in (view.organization.name if view.organization else "", view.affiliation)
        if name
    ):
        card.add("org").value = [org]
    if view.title:
        card.add("title").value = view.title
    if with_country and view.country:
        card.add("note").value = reference.country_name(view.country, reference.ENGLISH)
    if "email" in view.contact:
        card.add("email").value = view.contact["email"]
    if "phone" in view.contact:
        card.add("tel").value = view.contact["phone"]
    if "messaging" in view.contact:
        handle = view.contact["messaging"]
        found = messaging_uri(handle, view.country)
        if found is None:
            card.add("note").value = f"Messaging: {handle}"
        else:
            impp = card.add("impp")
            impp.value, service = found
            impp.params["X-SERVICE-TYPE"] = [service]
    if "city" in view.contact:
        card.add("adr").value = vobject.vcard.Address(city=view.contact["city"])
    return card.serialize()


def ascii_slug(name: str) -> str:
    """The name as a file name's safe ASCII part: accents dropped, other scripts left out
    ("Zoë N'Diaye" -> "zoe-n-diaye"); empty when nothing Latin is left."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


def attachment(name: str, extension: str = "vcf") -> str:
    """A Content-Disposition header naming the file after the person: an ASCII `filename`
    every client reads, and for a name beyond ASCII an RFC 6266 / RFC 5987 `filename*` in
    UTF-8 that modern clients prefer ("فاطمة علي.vcf")."""
    header = f'attachment; filename="{ascii_slug(name) or "contact"}.{extension}"'
    shown = " ".join(_UNSAFE_IN_NAMES.sub(" ", unicodedata.normalize("NFC", name)).split())
    if shown and not shown.isascii():
        header += f"; filename*=UTF-8''{quote(f'{shown[:80]}.{extension}', safe='')}"
    return header
