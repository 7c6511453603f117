"""The rules of recommendations and their credits, written from issue 19 and CONTRACT.md apart
from the code (ngowg_directory/privacy/credits.py, services/recommendations.py): what the
model-based test (test_council_states.py) holds the pages to.

- Only the secretariat publishes and unpublishes; publishing a published recommendation, or
  unpublishing a draft, changes nothing.
- A credit is answered by the person herself, or for an organisation by one of its managers;
  nobody else (the secretariat included) may even see it to answer it.
- She may accept an offered, declined or withdrawn credit; decline an offered one; withdraw an
  accepted one. Any other answer changes nothing.
- Readers see a recommendation only while it is published, and on it a person's credit only
  while it is accepted and she is listed, an organisation's while accepted and not archived.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANSWERS = {
    "accept": ({"offered", "declined", "withdrawn"}, "accepted"),
    "decline": ({"offered"}, "declined"),
    "withdraw": ({"accepted"}, "withdrawn"),
}


@dataclass
class CouncilModel:
    published: bool = False
    credits: dict[str, str] = field(default_factory=lambda: {"person": "offered", "org": "offered"})
    person_listed: bool = True
    org_archived: bool = False

    @staticmethod
    def may_publish(actor: str) -> bool:
        return actor == "admin"

    @staticmethod
    def may_answer(actor: str, credit: str) -> bool:
        return actor == ("credited" if credit == "person" else "manager")

    def publish(self, actor: str) -> str:
        """ "refused" (403), "done", or "unchanged" (told so)."""
        if not self.may_publish(actor):
            return "refused"
        if self.published:
            return "unchanged"
        self.published = True
        return "done"

    def unpublish(self, actor: str) -> str:
        if not self.may_publish(actor):
            return "refused"
        if not self.published:
            return "unchanged"
        self.published = False
        return "done"

    def answer(self, actor: str, credit: str, move: str) -> str:
        """ "hidden" (404), "done", or "unchanged" (told so)."""
        if not self.may_answer(actor, credit):
            return "hidden"
        starts, leads_to = ANSWERS[move]
        if self.credits[credit] not in starts:
            return "unchanged"
        self.credits[credit] = leads_to
        return "done"

    def shown(self) -> set[str]:
        """What a reader sees on the situation's page: "recommendation", "person", "org"."""
        if not self.published:
            return set()
        seen = {"recommendation"}
        if self.credits["person"] == "accepted" and self.person_listed:
            seen.add("person")
        if self.credits["org"] == "accepted" and not self.org_archived:
            seen.add("org")
        return seen
