"""The reference model of the briefings' model-based test: requests, invitations and the
people they depend on, over time, and what each move may do.

Written from issue 19 and its brief alone: nothing here imports the application. What each
side may be told is asked of testsupport/visibility.py, the reference every privacy test
shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from testsupport import visibility

LIVE = ("invited", "accepted")
MEETING_IN = 12  # days from the request to its meeting (the machine asks for that day)
CHECKIN_DAYS = (7, 30)  # after the briefing (held, else the meeting's day)


@dataclass
class Briefer:
    key: str
    name: str
    status: str = "active"  # active, suspended
    agreed: bool = True
    hidden: bool = False
    available: bool = True
    named: bool = False

    @property
    def listed(self) -> bool:
        return visibility.is_listed(status=self.status, agreed=self.agreed, hidden=self.hidden)

    @property
    def offered(self) -> bool:
        return visibility.offered(available=self.available, listed=self.listed)


@dataclass
class Asker:
    """The policy-maker who asks: her role, the secretariat's mark, the Council's term."""

    role: str = "policy_maker"
    verified: bool = True
    council: bool = True

    @property
    def verified_policy_maker(self) -> bool:
        return self.role == "policy_maker" and self.verified

    @property
    def may_ask(self) -> bool:
        return self.verified_policy_maker and self.council


@dataclass
class Request:
    id: int
    status: str = "open"  # open, withdrawn, cancelled
    invitations: dict[str, str] = field(default_factory=dict)  # briefer key -> state
    named: dict[str, bool] = field(default_factory=dict)  # her choice when she accepted
    meeting_in: int = MEETING_IN  # days until the meeting; negative once it has passed
    assessed: dict[str, bool] = field(default_factory=dict)  # checklist complete, per briefer
    held_ago: dict[str, int] = field(default_factory=dict)  # days since it was held
    checked: set[tuple[str, int]] = field(default_factory=set)  # check-ins recorded

    @property
    def meeting_passed(self) -> bool:
        return self.meeting_in < 0


@dataclass
class Model:
    briefers: dict[str, Briefer]
    asker: Asker = field(default_factory=Asker)
    requests: list[Request] = field(default_factory=list)

    def held(self) -> bool:
        """Every request waits while whoever asked is not a verified policy-maker."""
        return not self.asker.verified_policy_maker

    # --- the moves: each returns whether it is made ------------------------------------

    def invite(self, request: Request, key: str) -> bool:
        briefer = self.briefers[key]
        ok = (
            request.status == "open"
            and not self.held()
            and not request.meeting_passed
            and briefer.offered
            and key not in request.invitations
        )
        if ok:
            request.invitations[key] = "invited"
        return ok

    def answer(self, request: Request, key: str, action: str) -> bool:
        """She accepts, declines or steps back."""
        briefer = self.briefers[key]
        state = request.invitations.get(key)
        if briefer.status != "active" or state is None:
            return False
        if action == "accept":
            ok = state == "invited" and request.status == "open" and not self.held()
            ok = ok and briefer.listed and not request.meeting_passed
            if ok:
                request.invitations[key] = "accepted"
                request.named[key] = briefer.named
            return ok
        if action == "decline" and state == "invited":
            request.invitations[key] = "declined"
            return True
        if action == "step_back" and state == "accepted":
            request.invitations[key] = "withdrawn"
            return True
        return False

    def choose_name(self, request: Request, key: str, named: bool) -> bool:
        """She, and nobody else, says whether she is named on a briefing she accepted."""
        if self.briefers[key].status != "active":
            return False
        if request.invitations.get(key) not in ("accepted", "briefed"):
            return False
        request.named[key] = named
        return True

    def say_named(self, key: str, named: bool) -> None:
        """She saves her availability named or anonymous: anonymous is also off every
        briefing she accepted before; named is for those she accepts from now on."""
        briefer = self.briefers[key]
        briefer.available, briefer.named = True, named
        if not named:
            for request in self.requests:
                if key in request.named:
                    request.named[key] = False

    def withdraw_invitation(self, request: Request, key: str) -> bool:
        """The secretariat takes an invitation back."""
        if request.invitations.get(key) in LIVE:
            request.invitations[key] = "withdrawn"
            return True
        return False

    def end(self, request: Request, by: str) -> bool:
        """The policy-maker withdraws (while verified), the secretariat cancels: an open
        request ends, and its live invitations are cancelled with it; once a briefing of it
        was held, it is kept as it is."""
        if request.status != "open" or "briefed" in request.invitations.values():
            return False
        if by == "asker" and not self.asker.verified_policy_maker:
            return False
        request.status = "withdrawn" if by == "asker" else "cancelled"
        for key, state in request.invitations.items():
            if state in LIVE:
                request.invitations[key] = "cancelled"
        return True

    def assess(self, request: Request, key: str, complete: bool) -> str:
        """She or the secretariat saves the risk assessment: `done`; `refused` once the
        briefing was held (kept as it was); `404` when there is none to read."""
        state = request.invitations.get(key)
        if state == "briefed":
            return "refused"
        if state != "accepted":
            return "404"
        request.assessed[key] = complete
        return "done"

    def brief(self, request: Request, key: str) -> bool:
        """The secretariat records it as held today: accepted, and the checklist complete."""
        if request.invitations.get(key) != "accepted" or not request.assessed.get(key):
            return False
        request.invitations[key] = "briefed"
        request.held_ago[key] = 0
        return True

    def since(self, request: Request, key: str) -> int:
        """Days since the briefing: since it was held, else since the meeting's day."""
        return request.held_ago.get(key, -request.meeting_in)

    def check_in(self, request: Request, key: str, days: int) -> str:
        """The secretariat records a check-in: `done` on an accepted or held briefing once
        its day has come, `refused` before; `404` without a record to write."""
        if request.invitations.get(key) not in ("accepted", "briefed"):
            return "404"
        if self.since(request, key) < days:
            return "refused"
        request.checked.add((key, days))
        return "done"

    def days_pass(self, days: int) -> None:
        for request in self.requests:
            request.meeting_in -= days
            for key in request.held_ago:
                request.held_ago[key] += days

    def due(self) -> set[tuple[int, str, int]]:
        """(request, briefer, days) of the check-ins the secretariat is told are due: of an
        accepted or held briefing, counted from the day it was held, else from the meeting's."""
        found = set()
        for request in self.requests:
            for key, state in request.invitations.items():
                if state not in ("accepted", "briefed"):
                    continue
                since = self.since(request, key)
                for days in CHECKIN_DAYS:
                    if since >= days and (key, days) not in request.checked:
                        found.add((request.id, key, days))
        return found

    # --- what each side is told --------------------------------------------------------

    def asker_sees(self, request: Request) -> str | None:
        """The request's state as whoever asked is told it; None: she sees nothing now."""
        if not self.asker.verified_policy_maker:
            return None
        if request.status != "open":
            return request.status
        return visibility.requester_is_told(list(request.invitations.values()))

    def asker_names(self, request: Request) -> set[str]:
        """The briefers whose names whoever asked may read on her request."""
        if self.asker_sees(request) is None or request.status != "open":
            return set()
        return {
            key
            for key, state in request.invitations.items()
            if visibility.requester_sees_name(
                state=state,
                named=request.named.get(key, False),
                listed=self.briefers[key].listed,
            )
        }
