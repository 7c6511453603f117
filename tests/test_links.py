"""Password reset and invitation links: single use, expiry, tampering, permissions."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from ngowg_directory.extensions import db
from ngowg_directory.models import AuditEvent, Invitation, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, invitations

from .conftest import PASSWORD

NEW_PASSWORD = "a completely new passphrase"
SAME_ANSWER = "If an account exists for that address"


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def request_reset(client, email):
    return client.form("/auth/reset", {"email": email})


def reset_link(mailbox, email) -> str:
    links = mailbox.links(email)
    assert len(links) == 1, links
    return path_of(links[0])


# --- password reset ----------------------------------------------------------------------


def test_reset_answers_the_same_for_known_and_unknown_addresses(client, make_user, mailbox):
    user = make_user("defender")
    known = request_reset(client, user.email)
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    follow = client.get("/auth/login").get_data(as_text=True)
    assert SAME_ANSWER in follow
    assert len(mailbox.messages) == 1 and mailbox.messages[0]["To"] == user.email


def test_reset_link_sets_a_new_password_once(client, new_client, make_user, mailbox, login):
    user = make_user("defender")
    request_reset(client, user.email)
    link = reset_link(mailbox, user.email)
    assert link.startswith("/auth/reset/")
    assert client.get(link).status_code == 200
    response = client.form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, page=link)
    assert response.headers["Location"] == "/auth/login"
    login(new_client(), user, password=NEW_PASSWORD)
    # The same link again: refused, nothing changes.
    again = client.get(link)
    assert again.status_code == 400
    assert "This link does not work" in again.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "password_reset"))
        == 1
    )


def test_reset_link_expires_after_an_hour(app, client, make_user, mailbox, monkeypatch):
    user = make_user("defender")
    import itsdangerous.timed

    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 3601)
    request_reset(client, user.email)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    link = reset_link(mailbox, user.email)
    assert client.get(link).status_code == 400


def test_reset_link_within_the_hour_works(app, client, make_user, mailbox, monkeypatch):
    user = make_user("defender")
    import itsdangerous.timed

    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 3500)
    request_reset(client, user.email)
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    assert client.get(reset_link(mailbox, user.email)).status_code == 200


def test_tampered_reset_link_is_refused(client, make_user, mailbox):
    user = make_user("defender")
    request_reset(client, user.email)
    link = reset_link(mailbox, user.email)
    token = link.rsplit("/", 1)[1]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    assert client.get(f"/auth/reset/{flipped}").status_code == 400
    assert client.get("/auth/reset/not-a-token").status_code == 400
    response = client.form(
        f"/auth/reset/{flipped}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/auth/login",
    )
    assert response.status_code == 400
    db.session.refresh(user)
    assert accounts.passwords.verify_password(user.password_hash, PASSWORD)


def test_reset_link_dies_when_the_password_changes_another_way(client, make_user, mailbox):
    user = make_user("defender")
    request_reset(client, user.email)
    link = reset_link(mailbox, user.email)
    db.session.refresh(user)
    accounts.set_password(user, "changed in the meantime")
    db.session.commit()
    assert client.get(link).status_code == 400


def test_reset_form_applies_the_password_policy(client, make_user, mailbox):
    user = make_user("defender")
    request_reset(client, user.email)
    link = reset_link(mailbox, user.email)
    response = client.form(link, {"password": "short", "confirm": "short"}, page=link)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "at least 12 characters" in html
    assert 'aria-invalid="true"' in html
    response = client.form(link, {"password": NEW_PASSWORD, "confirm": "different"}, page=link)
    assert "The passwords differ" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert accounts.passwords.verify_password(user.password_hash, PASSWORD)


def test_no_mail_for_suspended_or_invited_accounts(client, make_user, mailbox):
    user = make_user("defender")
    accounts.suspend(user, None)
    accounts.create_user("invited@example.org", "staff")
    db.session.commit()
    request_reset(client, user.email)
    request_reset(client, "invited@example.org")
    assert mailbox.messages == []


# --- invitations -------------------------------------------------------------------------


def invite_as(client, url, **fields):
    data = {"email": "new.person@example.org", "name": "", "role": "defender", **fields}
    return client.form(url, data)


def accept(client, link, name="Zainab Hassan", password=NEW_PASSWORD):
    return client.form(link, {"name": name, "password": password, "confirm": password}, page=link)


def test_admin_invites_then_person_accepts_once(app, client, new_client, make_user, login, mailbox):
    admin = make_user("admin")
    login(client, admin)
    response = invite_as(client, "/admin/invitations", role="policy_maker", organization="")
    assert response.headers["Location"] == "/admin/invitations"
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "new.person@example.org" in page and "Invitation sent" in page
    message = mailbox.to("new.person@example.org")[0]
    body = mailbox.body(message)
    assert "72 hours" in body
    link = path_of(mailbox.links("new.person@example.org")[0])
    invitee = new_client()
    assert invitee.get(link).status_code == 200
    response = accept(invitee, link)
    assert response.headers["Location"] == "/account/consent"  # the first-run consent step
    assert "Zainab Hassan" in invitee.get("/account/consent").get_data(as_text=True)
    person = accounts.find_by_email("new.person@example.org")
    db.session.refresh(person)
    assert person.status == "active" and person.role == "policy_maker"
    # Reused: refused, and nothing changes.
    assert new_client().get(link).status_code == 400
    again = accept(new_client(), link, name="Someone Else")
    assert again.status_code == 400
    db.session.refresh(person)
    assert person.name == "Zainab Hassan"
    audit = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert "invitation_sent" in audit and "invitation_accepted" in audit


def test_expired_invitation_is_refused_and_can_be_sent_again(
    app, client, new_client, make_user, login, mailbox
):
    admin = make_user("admin")
    login(client, admin)
    invite_as(client, "/admin/invitations", organization="")
    old_link = path_of(mailbox.links("new.person@example.org")[0])
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert new_client().get(old_link).status_code == 400
    assert "expired" in client.get("/admin/invitations").get_data(as_text=True)
    mailbox.clear()
    response = client.form(f"/admin/invitations/{invitation.id}/resend", {})
    assert response.status_code == 302
    new_link = path_of(mailbox.links("new.person@example.org")[0])
    assert new_link != old_link
    assert new_client().get(old_link).status_code == 400
    assert accept(new_client(), new_link).headers["Location"] == "/account/consent"


def test_resending_kills_the_previous_link(app, client, new_client, make_user, login, mailbox):
    admin = make_user("admin")
    login(client, admin)
    invite_as(client, "/admin/invitations", organization="")
    first = path_of(mailbox.links("new.person@example.org")[0])
    invitation = db.session.scalar(sa.select(Invitation))
    client.form(f"/admin/invitations/{invitation.id}/resend", {})
    assert new_client().get(first).status_code == 400
    db.session.refresh(invitation)
    assert invitation.send_count == 2


def test_tampered_invitation_link_is_refused(app, client, make_user, login, mailbox):
    admin = make_user("admin")
    login(client, admin)
    invite_as(client, "/admin/invitations", organization="")
    link = path_of(mailbox.links("new.person@example.org")[0])
    assert client.get(link[:-1] + ("x" if link[-1] != "x" else "y")).status_code == 400
    assert client.get("/auth/invite/" + "a" * 500).status_code == 400


def test_invitation_tokens_are_stored_hashed(app, client, make_user, login, mailbox):
    admin = make_user("admin")
    login(client, admin)
    invite_as(client, "/admin/invitations", organization="")
    token = mailbox.links("new.person@example.org")[0].rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(Invitation.token_hash))
    assert token not in stored and len(stored) == 64


def test_inviting_an_existing_address_changes_nothing_and_tells_its_holder(
    app, client, make_user, login, mailbox
):
    """The same answer as for a new address (tests/test_hardening.py compares them)."""
    admin = make_user("admin")
    existing = make_user("staff")
    login(client, admin)
    response = invite_as(client, "/admin/invitations", email=existing.email, organization="")
    assert response.status_code == 302
    assert "already exists" not in client.get("/admin/invitations").get_data(as_text=True)
    db.session.refresh(existing)
    assert existing.role == "staff" and existing.status == "active"
    assert [m["To"] for m in mailbox.messages] == [existing.email]
    assert "/auth/invite/" not in mailbox.body(mailbox.messages[0])


def test_bad_email_in_the_invite_form_changes_nothing(app, client, make_user, login, mailbox):
    admin = make_user("admin")
    login(client, admin)
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    response = invite_as(client, "/admin/invitations", email="not an address", organization="")
    assert response.status_code == 200
    assert "not a valid e-mail address" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
    assert mailbox.messages == []


def test_manager_invites_staff_and_defenders_to_her_own_organisation(
    app, client, make_user, login, mailbox, new_client
):
    manager = make_user("manager", org="wilpf")
    login(client, manager)
    response = invite_as(client, "/orgs/wilpf/people", role="staff")
    assert response.headers["Location"] == "/orgs/wilpf/people"
    invited = accounts.find_by_email("new.person@example.org")
    assert invited.organization.slug == "wilpf" and invited.role == "staff"
    # Roles above staff and defender are not offered, and a forged one is refused.
    page = client.get("/orgs/wilpf/people").get_data(as_text=True)
    assert 'value="admin"' not in page and 'value="policy_maker"' not in page
    forged = invite_as(client, "/orgs/wilpf/people", email="x@example.org", role="admin")
    assert forged.status_code == 200
    assert accounts.find_by_email("x@example.org") is None


def test_manager_cannot_touch_another_organisation(
    app, client, make_user, login, make_org, mailbox
):
    make_org("amnesty")
    manager = make_user("manager", org="wilpf")
    other_manager = make_user("manager", org="amnesty")
    login(client, manager)
    assert client.get("/orgs/amnesty/people").status_code == 403
    response = invite_as(client, "/orgs/amnesty/people", role="staff")
    assert response.status_code == 403
    assert accounts.find_by_email("new.person@example.org") is None
    assert client.get("/orgs/no-such-org/people").status_code == 404
    # Nor resend another organisation's invitation through her own organisation's URL.
    sent = invitations.invite(
        "amnesty.person@example.org",
        "staff",
        organization=other_manager.organization,
        inviter=other_manager,
    )
    db.session.commit()
    response = client.form(f"/orgs/wilpf/invitations/{sent.invitation.id}/resend", {})
    assert response.status_code == 404
    assert client.get("/admin/invitations").status_code == 403


def test_staff_and_defenders_cannot_invite(app, client, make_user, login):
    for role in ("staff", "defender", "policy_maker"):
        user = make_user(role, org="wilpf" if role == "staff" else None)
        login(client, user)
        assert client.get("/orgs/wilpf/people").status_code == 403
        assert client.get("/admin/invitations").status_code == 403
        client.form("/auth/logout", {})


def test_cli_invitation_expiry_is_configurable(app, make_user, mailbox):
    app.config["INVITATION_MAX_AGE_HOURS"] = 24
    sent = invitations.invite("later@example.org", "defender")
    db.session.commit()
    hours = (sent.invitation.expires_at - utcnow()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    assert "24 hours" in mailbox.body(mailbox.to("later@example.org")[0])
