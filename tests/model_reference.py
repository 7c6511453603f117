"""The reference model of the model-based privacy test (issue 15): the world the rules act on,
over time (people, requests, blocks, tokens, archived organisations), and the rules of contact
requests, invitations and tokens.

Written from CONTRACT.md and issue 15 alone; nothing here imports the application. Who may see
what is asked of testsupport/visibility.py, the reference every privacy test shares. Where the
rules are silent, a rule answers EITHER and the test accepts what the application does (and
follows it): everywhere else an answer is exact, in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from testsupport import visibility
from testsupport.canaries import canaries_for
from testsupport.visibility import EITHER, FIELDS, NO, YES

OPEN = ("pending", "declined", "blocked")  # states the sender sees as "waiting"
MANAGER_MAY_INVITE = ("staff", "defender")

# Organisations: slug -> name (names distinctive enough to be searched for in any page).
ORGS = {"larkspur": "Larkspur Alliance", "tamarind": "Tamarind Network"}


@dataclass
class Person:
    key: str
    name: str
    role: str
    org: str | None
    number: int
    # absent (not yet invited), invited, active, suspended
    status: str = "active"
    agreed: bool = False  # she herself agreed in the app
    hidden: bool = False
    delegates: bool = False  # lets her organisation's managers answer for her
    audiences: dict[str, str] = field(default_factory=dict)
    password: str = ""
    user_id: int | None = None

    def __post_init__(self) -> None:
        if not self.audiences:
            self.audiences = visibility.default_audiences(self.role)

    @property
    def canaries(self) -> dict[str, str]:
        return canaries_for(self.number)

    @property
    def account_email(self) -> str:
        return f"account-{self.key}@example.net"

    @property
    def signed_up(self) -> bool:
        return self.status in ("active", "suspended")


@dataclass
class Request:
    sender: str
    recipient: str
    id: int | None = None
    state: str = "pending"  # pending, accepted, declined, blocked, ended
    expired: bool = False
    delivered: bool = True  # False: sent to someone who blocked the sender; goes nowhere


@dataclass
class Token:
    owner: str
    secret: str
    alive: bool = True


@dataclass
class World:
    """Everything the rules depend on."""

    people: dict[str, Person]
    archived: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    blocks: set[tuple[str, str]] = field(default_factory=set)  # (blocker, blocked)
    tokens: list[Token] = field(default_factory=list)
    # E-mail notices each person should have had: request waiting, request answered.
    notices_received: dict[str, int] = field(default_factory=dict)
    notices_answered: dict[str, int] = field(default_factory=dict)

    # --- who is where ------------------------------------------------------------------

    def p(self, key: str) -> Person:
        return self.people[key]

    def signed_up(self) -> list[Person]:
        return [p for p in self.people.values() if p.signed_up]

    def active(self) -> list[Person]:
        return [p for p in self.people.values() if p.status == "active"]

    def listed(self, person: Person) -> bool:
        """CONTRACT.md, Consent: her own agreement, not hidden, an active account."""
        return visibility.is_listed(
            status=person.status, agreed=person.agreed, hidden=person.hidden
        )

    def shown_org(self, person: Person) -> str | None:
        """The organisation shown with her: none while it is archived."""
        return person.org if person.org not in self.archived else None

    def manager_of(self, viewer: Person, person: Person) -> bool:
        return viewer.role == "manager" and viewer.org is not None and viewer.org == person.org

    # --- seeing a person ---------------------------------------------------------------

    def viewer(self, viewer: Person, person: Person) -> visibility.Viewer:
        """The viewer as the visibility rules see her, looking at the person."""
        return visibility.Viewer(
            viewer.role,
            herself=viewer.key == person.key,
            manages_her=self.manager_of(viewer, person),
            connected=self.connected(viewer.key, person.key),
        )

    def may_open(self, viewer: Person, person: Person) -> bool:
        """Her profile answers 200 (else 404): herself, admins, or she is listed."""
        return visibility.may_open(self.viewer(viewer, person), self.listed(person))

    def connected(self, a: str, b: str) -> bool:
        return any(
            r.state == "accepted" and {r.sender, r.recipient} == {a, b} for r in self.requests
        )

    def field_rule(self, viewer: Person, person: Person, name: str) -> str:
        """Whether the viewer sees one contact field of the person (CONTRACT.md table)."""
        if not self.may_open(viewer, person):
            return NO
        return visibility.field_rule(
            self.viewer(viewer, person),
            person.audiences[name],
            org_archived=person.org in self.archived,
        )

    def fields(self, viewer: Person, person: Person) -> tuple[set[str], set[str]]:
        """(required, allowed) field names of the person for this viewer."""
        rules = {name: self.field_rule(viewer, person, name) for name in FIELDS}
        return {n for n, r in rules.items() if r == YES}, {n for n, r in rules.items() if r != NO}

    def export_fields(self, person: Person, admin: Person) -> tuple[set[str], set[str]]:
        """The secretariat's export: what an admin may see; her own connections optional."""
        required = {n for n in FIELDS if visibility.in_export(person.audiences[n])}
        allowed = set(required)
        if person.key == admin.key:
            allowed = set(FIELDS)  # her own line of the export
        if self.connected(admin.key, person.key):
            allowed |= {n for n in FIELDS if person.audiences[n] == "connections"}
        return required, allowed

    # --- requests ----------------------------------------------------------------------

    def newest_between(self, a: str, b: str) -> Request | None:
        for request in reversed(self.requests):
            if {request.sender, request.recipient} == {a, b}:
                return request
        return None

    @staticmethod
    def sender_sees(request: Request) -> str:
        """What the sender may know: never a decline or a block."""
        if request.state in OPEN:
            return "expired" if request.expired else "pending"
        return request.state  # accepted, ended

    def seen_by(self, viewer: str, request: Request) -> set[str]:
        """The states this viewer may be shown for a request she is a side of."""
        if viewer == request.sender:
            return {self.sender_sees(request)}
        if not request.delivered:
            return {"pending", "accepted", "declined", "blocked", "ended", "expired"}
        if request.state in OPEN and request.expired:
            return {"expired"}
        return {request.state}

    def ask_outcome(self, sender: Person, recipient: Person) -> set[str]:
        """What the sender is told: sent, open, connected, unlisted, asker_unlisted, not_found."""
        if not self.may_open(sender, recipient):
            return {"not_found"}
        if not self.listed(sender):
            return {"asker_unlisted"}  # the person asked could not see who asks
        if not self.listed(recipient):
            return {"unlisted"}  # an admin asking someone unlisted
        newest = self.newest_between(sender.key, recipient.key)
        if newest is not None:
            if newest.state == "accepted":
                return {"connected"}
            if newest.state in OPEN and not newest.expired:
                if newest.sender == recipient.key and not newest.delivered:
                    # She asks the person whose request to her went nowhere: unsaid.
                    return {"open", "sent"}
                return {"open"}
        return {"sent"}

    def answer_rule(self, actor: Person, request: Request) -> str:
        """May the actor accept, decline or block this request (issue 15's state machine)."""
        if actor.status != "active" or not request.delivered:
            return NO
        if request.state != "pending" or request.expired:
            return NO  # an answered request cannot be answered again
        sender, recipient = self.p(request.sender), self.p(request.recipient)
        if actor.key == request.sender:
            return NO
        if not self.listed(sender):
            return NO  # held until the sender is listed again: nobody answers it
        if actor.key == recipient.key:
            return YES
        if self.manager_of(actor, recipient) and recipient.delegates:
            if not self.listed(recipient):
                return NO  # hidden or withdrawn: nobody answers for her
            if recipient.org in self.archived:
                return EITHER
            return YES
        return NO

    def received(self, viewer: Person) -> tuple[set[int], set[int]]:
        """(required, allowed) request ids waiting for this viewer's answer on /connections."""
        required, allowed = set(), set()
        for request in self.requests:
            if request.id is None:
                continue
            rule = self.answer_rule(viewer, request)
            if rule == YES:
                required.add(request.id)
            if rule != NO:
                allowed.add(request.id)
        return required, allowed

    def connections_of(self, viewer: Person) -> tuple[set[int], set[int]]:
        """(required, allowed) ids of accepted requests she is a side of."""
        required, allowed = set(), set()
        for r in self.requests:
            if r.state == "accepted" and viewer.key in (r.sender, r.recipient) and r.id:
                allowed.add(r.id)
                other = self.p(r.recipient if r.sender == viewer.key else r.sender)
                if other.status == "active":
                    required.add(r.id)
        return required, allowed

    def may_end(self, actor: Person, request: Request) -> bool:
        return request.state == "accepted" and actor.key in (request.sender, request.recipient)

    # --- invitations ---------------------------------------------------------------------

    def may_invite(self, inviter: Person, invitee: Person) -> bool:
        """Admins invite anyone; a manager staff and defenders of her own organisation."""
        if inviter.status != "active":
            return False
        if inviter.role == "admin":
            return True
        return (
            inviter.role == "manager"
            and inviter.org is not None
            and inviter.org == invitee.org
            and inviter.org not in self.archived
            and invitee.role in MANAGER_MAY_INVITE
        )

    # --- tokens -------------------------------------------------------------------------

    def token_works(self, token: Token) -> bool:
        return token.alive and self.p(token.owner).status == "active"

    def revoke_tokens(self, key: str) -> None:
        """Password change, role change, suspension: every token of the account dies."""
        for token in self.tokens:
            if token.owner == key:
                token.alive = False

    def newest_token(self, key: str) -> Token | None:
        for token in reversed(self.tokens):
            if token.owner == key and self.token_works(token):
                return token
        return None
