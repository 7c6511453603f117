"""A new member's first run: from the consent step, her profile, then who sees each contact
detail, then back to the agreement, each step saying where she is and what is left.

Reached on their own (from the menu), the profile and privacy pages behave as before; once
she has agreed, `?first_run=1` leads nowhere new.
"""

from __future__ import annotations

import re

from ngowg_directory import privacy
from ngowg_directory.extensions import db
from ngowg_directory.models import Profile, User
from ngowg_directory.services import accounts, invitations

from .test_connections import flashes
from .test_consent import accept, agree
from .test_privacy_ux import form_fields
from .test_profiles import profile_form

FIRST_PROFILE = "/account/profile?first_run=1"
FIRST_PRIVACY = "/account/privacy?first_run=1"


def checklist(html: str) -> list[str]:
    """The consent step's three steps, as text."""
    found = re.search(r'<ol class="checklist">(.*?)</ol>', html, re.S)
    assert found, "no checklist on the consent step"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_the_first_run_leads_from_her_profile_to_her_audiences_to_the_agreement(app, new_client):
    sent = invitations.invite("first@example.org", "defender")
    db.session.commit()
    client = new_client()
    assert accept(client, sent.link, "Hawa Nyakuong").headers["Location"] == "/account/consent"
    steps = checklist(client.get("/account/consent").get_data(as_text=True))
    assert steps[0].startswith("Complete your profile: 0 of 6 parts filled in. Missing: Title")
    assert "About your work" in steps[0]
    # Her account's address is her contact e-mail at first, for connections only.
    assert steps[1] == (
        "Choose who sees each contact detail: you gave 1 contact detail: Contact e-mail "
        "(seen by: Only people whose contact request I accepted)."
    )
    html = client.get("/account/consent").get_data(as_text=True)
    assert f'href="{FIRST_PROFILE}"' in html and f'href="{FIRST_PRIVACY}"' in html

    # Step 1: her profile. The page says which step this is; saving leads to step 2.
    page = client.get(FIRST_PROFILE).get_data(as_text=True)
    assert "Step 1 of 3" in page and 'aria-current="step">Complete your profile<' in page
    assert f'href="{FIRST_PRIVACY}">Skip this step</a>' in page
    data = profile_form(client, title="Community organiser", bio="Monitors the camps.")
    data.update(situations=["SD"], themes=["crsv"], languages=["ar", "en"])
    response = client.form(FIRST_PROFILE, data, page=FIRST_PROFILE)
    assert response.status_code == 302 and response.headers["Location"] == FIRST_PRIVACY

    # Step 2: the audiences. Only the contact form and the previews: no hide and withdraw
    # panel to read before she is even listed. Saving leads back to the agreement.
    page = client.get(FIRST_PRIVACY).get_data(as_text=True)
    assert "Step 2 of 3" in page and 'aria-current="step">Choose who sees' in page
    assert "Your profile right now" not in page and 'id="as-others"' in page
    assert (
        "success",
        "Done: Your profile has been saved. Next: choose who sees each contact detail.",
    ) in flashes(page)
    fields = form_fields(page, FIRST_PRIVACY)
    fields.update(email_value="", phone_value="+249 912 345 678", phone="policy_makers")
    response = client.post(FIRST_PRIVACY, data=fields)
    assert response.status_code == 302 and response.headers["Location"] == "/account/consent"

    html = client.get("/account/consent").get_data(as_text=True)
    steps = checklist(html)
    assert steps[0] == "Complete your profile: complete"
    assert steps[1] == (
        "Choose who sees each contact detail: you gave 1 contact detail: Phone (seen by: "
        "Policy-makers, the secretariat and my organisation's managers)."
    )
    assert any("Last step: check what each audience will see" in text for _k, text in flashes(html))
    db.session.expire_all()
    profile = db.session.get(Profile, accounts.find_by_email("first@example.org").id)
    assert (profile.phone, profile.phone_audience) == ("+249912345678", "policy_makers")
    assert not profile.email
    assert profile.title == "Community organiser" and profile.language_codes == ["ar", "en"]
    assert profile.consent_at is None, "nothing of the first run agreed for her"

    # She agrees; from now on ?first_run=1 is ignored: saving the profile shows it, as always.
    agree(client)
    db.session.expire_all()
    assert privacy.is_listed(db.session.get(User, profile.user_id))
    page = client.get(FIRST_PROFILE).get_data(as_text=True)
    assert "Step 1 of 3" not in page and "Skip this step" not in page
    response = client.form(FIRST_PROFILE, profile_form(client), page=FIRST_PROFILE)
    assert response.headers["Location"] == f"/people/{profile.user_id}"


def test_pages_reached_on_their_own_keep_their_own_way(app, client, make_user, login):
    person = make_user("staff", org="wilpf", consent=False)
    login(client, person)
    for path in ("/account/profile", "/account/privacy", "/account/profile?first_run=yes"):
        page = client.get(path).get_data(as_text=True)
        assert "Step 1 of 3" not in page and "Step 2 of 3" not in page, path
    assert "Your profile right now" in client.get("/account/privacy").get_data(as_text=True)
    response = client.form("/account/profile", profile_form(client), page="/account/profile")
    assert response.headers["Location"] == f"/people/{person.id}"
    fields = form_fields(client.get("/account/privacy").get_data(as_text=True), "/account/privacy")
    assert client.post("/account/privacy", data=fields).headers["Location"] == "/account/privacy"
