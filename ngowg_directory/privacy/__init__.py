"""THE privacy policy: what a viewer may see of a person and of an organisation.

Nothing else decides it. Pages, search, the API, vCards and exports ask this package, and
templates render the views it hands them (never a model of someone else):

- policy.py: who is listed, contact audiences, the `PersonView` of one profile, reveal audits;
- listing.py: the `ListingView` of a person in any list, `person_or_404`, a manager's people;
- orgs.py: archived organisations, `org_visible`, `org_or_404`, `OrgRef`, `OrgView`;
- upkeep.py: which parts of a listed member's profile are filled, for her managers;
- request_states.py: THE state machine of contact requests (which moves exist, who may make
  each) and what each side may know of a request's state (`request_state_for`).

`from ngowg_directory import privacy` gives all of it.
"""

from __future__ import annotations

from .listing import (  # noqa: F401
    ListingView,
    OrgPeople,
    listing_is_shared,
    listing_views,
    org_members,
    org_people,
    person_or_404,
)
from .orgs import (  # noqa: F401
    OrgRef,
    OrgView,
    org_listed,
    org_listed_clause,
    org_or_404,
    org_view,
    org_views,
    org_visible,
    shown_org,
)
from .policy import *  # noqa: F403  (every public name of the policy, new ones included)
from .request_states import request_state_for  # noqa: F401
from .upkeep import PROFILE_PARTS, Upkeep, org_upkeep, own_upkeep  # noqa: F401
