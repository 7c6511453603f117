"""Translatable names of roles, account statuses, kinds of organisation, the reference data
(themes, agenda items), audit actions and the parts of a profile: each name of a code is
written here and nowhere else.

The CSV files in data/ hold the English names of the reference data; pybabel cannot read them,
so each name is listed here once more inside `_l()`. tests/test_i18n.py checks the two lists
agree, and that every role, status and kind of the models has its name here.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

ROLE_LABELS: dict[str, LazyString] = {
    "admin": _l("Secretariat (admin)"),
    "manager": _l("Organisation manager"),
    "staff": _l("Organisation staff"),
    "defender": _l("Defender"),
    "policy_maker": _l("Policy-maker"),
}
# The English words a role is found by in the search index (search/index.py): a search for
# "secretariat" or "policy maker" finds them, whatever the page's language.
ROLE_SEARCH_WORDS: dict[str, str] = {
    "admin": "secretariat",
    "manager": "manager",
    "staff": "staff",
    "defender": "defender",
    "policy_maker": "policy maker",
}
STATUS_LABELS: dict[str, LazyString] = {
    "invited": _l("invited"),
    "active": _l("active"),
    "suspended": _l("suspended"),
}
ORG_KIND_LABELS: dict[str, LazyString] = {
    "member": _l("Member organisation"),
    "un_entity": _l("UN entity"),
    "mission": _l("Member state mission"),
    "partner": _l("Partner"),
}

THEME_NAMES: dict[str, LazyString] = {
    "participation": _l("Participation"),
    "protection": _l("Protection"),
    "prevention": _l("Conflict prevention"),
    "relief-recovery": _l("Relief and recovery"),
    "crsv": _l("Conflict-related sexual violence"),
    "whrd-civic-space": _l("Women human rights defenders and civic space"),
    "peace-processes": _l("Peace processes and mediation"),
    "humanitarian-gbv": _l("Humanitarian response and gender-based violence services"),
    "srhr": _l("Sexual and reproductive health and rights"),
    "lgbtiq": _l("LGBTIQ rights in conflict"),
    "violent-extremism": _l("Preventing violent extremism"),
    "climate-security": _l("Climate and conflict"),
    "disarmament": _l("Small arms and disarmament"),
    "peacekeeping-sea": _l("Peacekeeping and sexual exploitation and abuse"),
    "displacement": _l("Refugees and internally displaced people"),
    "transitional-justice": _l("Transitional justice and accountability"),
    "national-action-plans": _l("National Action Plans"),
}

# Agenda items named after a country take the country's name from Babel's locale data;
# only the item that is not a country's name needs its own translation.
SITUATION_LABELS: dict[str, LazyString] = {
    "PS": _l("The situation in the Middle East including the Palestinian question"),
}

# The regions of reference.SITUATION_REGIONS, as the dashboard and the annual report name them.
REGION_LABELS: dict[str, LazyString] = {
    "africa": _l("Africa"),
    "americas": _l("Americas"),
    "asia_pacific": _l("Asia and the Pacific"),
    "europe": _l("Europe"),
    "mena": _l("Middle East and North Africa"),
    "thematic": _l("Thematic items"),
}

# Briefings: what each state of an invitation or request is called, by whom it is read.
INVITATION_STATE_LABELS: dict[str, LazyString] = {
    "invited": _l("Invited, no answer yet"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled with its request"),
    "briefed": _l("Briefing held"),
}
# The request's state as the policy-maker who asked is told it (a decline reads as searching).
REQUEST_STATE_LABELS: dict[str, LazyString] = {
    "open": _l("Open"),
    "searching": _l("The secretariat is looking for a briefer"),
    "confirmed": _l("A briefer has accepted"),
    "briefed": _l("The briefing was held"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled by the secretariat"),
}
BRIEFING_MODE_LABELS: dict[str, LazyString] = {
    "in_person": _l("in person"),
    "remote": _l("remote"),
    "either": _l("in person or remote"),
}
RISK_ITEM_LABELS: dict[str, LazyString] = {
    "travel": _l("Travel"),
    "visibility": _l("Visibility of the briefer's name"),
    "organisation": _l("What the briefer's organisation knows"),
    "digital": _l("Digital safety"),
    "emergency_contact": _l("Contact for emergencies"),
    "checkin_plan": _l("Check-in plan"),
}
# The Security Council's thematic agenda items a month's programme may name beside the country
# situations (reference.council_items): slugs, so that they never clash with an ISO code.
COUNCIL_THEMATIC_ITEMS: dict[str, LazyString] = {
    "wps": _l("Women and peace and security"),
    "children-armed-conflict": _l("Children and armed conflict"),
    "protection-of-civilians": _l("Protection of civilians in armed conflict"),
    "peace-security": _l("Maintenance of international peace and security"),
    "peacekeeping": _l("United Nations peacekeeping operations"),
    "peacebuilding": _l("Peacebuilding and sustaining peace"),
    "terrorism": _l("Threats to international peace and security caused by terrorist acts"),
    "small-arms": _l("Small arms"),
}
# The kinds of Council meeting (models.council.MEETING_KINDS).
MEETING_KIND_LABELS: dict[str, LazyString] = {
    "briefing": _l("Briefing"),
    "consultations": _l("Consultations"),
    "mandate_renewal": _l("Mandate renewal"),
    "open_debate": _l("Open debate"),
    "arria": _l("Arria-formula meeting"),
}

AUDIT_ACTIONS: dict[str, LazyString] = {
    "2fa_disabled": _l("Two-factor sign-in turned off"),
    "2fa_enabled": _l("Two-factor sign-in turned on"),
    "account_deleted": _l("Account deleted"),
    "audit_exported": _l("Audit log exported"),
    "briefing_accepted": _l("Briefing invitation accepted"),
    "briefing_availability_changed": _l("Availability to brief changed"),
    "briefing_naming_changed": _l("Named or anonymous on a briefing changed"),
    "briefing_checkin_recorded": _l("Safety check-in recorded"),
    "briefing_declined": _l("Briefing invitation declined"),
    "briefing_follow_up_saved": _l("Briefing follow-up saved"),
    "briefing_held": _l("Briefing recorded as held"),
    "briefing_invitation_withdrawn": _l("Briefing invitation withdrawn"),
    "briefing_invited": _l("Invited to brief"),
    "briefing_request_cancelled": _l("Briefing request cancelled"),
    "briefing_request_withdrawn": _l("Briefing request withdrawn"),
    "briefing_requested": _l("Briefer requested"),
    "briefing_stepped_back": _l("Briefer stepped back"),
    "briefings_exported": _l("Briefing figures exported"),
    "checkin_reminder_sent": _l("Safety check-in reminder sent"),
    "council_member_set": _l("Security Council member's term set"),
    "backup_restored": _l("Backup restored"),
    "backup_written": _l("Backup written"),
    "connection_ended": _l("Connection ended"),
    "connection_settings_changed": _l("Contact request settings changed"),
    "council_month_saved": _l("Council month saved"),
    "council_meeting_added": _l("Council meeting added"),
    "council_meeting_changed": _l("Council meeting changed"),
    "council_meeting_deleted": _l("Council meeting deleted"),
    "calendar_key_created": _l("Calendar key created"),
    "calendar_key_revoked": _l("Calendar key revoked"),
    "calendar_keys_revoked": _l("Every calendar key revoked"),
    "consent_given": _l("Agreed to be listed"),
    "consent_on_file": _l("Written agreement to be listed recorded as on file"),
    "consent_withdrawn": _l("Consent to be listed withdrawn"),
    "contact_accepted": _l("Contact request accepted"),
    "contact_blocked": _l("Contact request blocked"),
    "contact_declined": _l("Contact request declined"),
    "contact_requested": _l("Contact requested"),
    "contact_revealed": _l("Contact details shown"),
    "directory_exported": _l("Directory exported"),
    "invitation_accepted": _l("Invitation accepted"),
    "invitation_notice_sent": _l("Existing account told of an invitation"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_revoked": _l("Invitation withdrawn"),
    "invitation_sent": _l("Invitation sent"),
    "lockout": _l("Account locked after failed sign-ins"),
    "login_failure": _l("Failed sign-in"),
    "login_success": _l("Signed in"),
    "logout": _l("Signed out"),
    "manager_assigned": _l("Manager assigned"),
    "manager_removed": _l("Manager removed"),
    "member_removed": _l("Member removed from the organisation"),
    "organization_archived": _l("Organisation archived"),
    "organization_created": _l("Organisation created"),
    "organization_logo_changed": _l("Organisation logo changed"),
    "organization_logo_removed": _l("Organisation logo removed"),
    "organization_restored": _l("Organisation brought back"),
    "organization_updated": _l("Organisation updated"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "password_reset_requested": _l("Password reset requested"),
    "privacy_changed": _l("Privacy settings changed"),
    "profile_confirmed": _l("Profile confirmed"),
    "profile_hidden": _l("Profile hidden"),
    "profile_shown": _l("Profile shown again"),
    "profile_updated": _l("Profile updated"),
    "programme_imported": _l("Council programme imported"),
    "rate_limited": _l("Rate limit reached"),
    "reprisal_reported": _l("Reprisal report received"),
    "recommendation_saved": _l("Recommendation saved"),
    "recommendation_published": _l("Recommendation published"),
    "recommendation_unpublished": _l("Recommendation unpublished"),
    "credit_offered": _l("Credit offered"),
    "credit_accepted": _l("Credit accepted"),
    "credit_declined": _l("Credit declined"),
    "credit_withdrawn": _l("Credit withdrawn"),
    "credit_removed": _l("Credit removed"),
    "reauthenticated": _l("Confirmed it is them"),
    "recovery_code_used": _l("Recovery code used"),
    "recovery_codes_renewed": _l("Recovery codes renewed"),
    "reminder_sent": _l("Reminder sent"),
    "risk_assessment_saved": _l("Risk assessment saved"),
    "role_changed": _l("Role changed"),
    "token_created": _l("Access token created"),
    "token_revoked": _l("Access token revoked"),
    "tokens_revoked": _l("Every access token revoked"),
    "user_created": _l("Account created"),
    "user_reactivated": _l("Account reactivated"),
    "user_suspended": _l("Account suspended"),
    "vcard_downloaded": _l("Contact card downloaded"),
    "unverified": _l("Verified mark removed"),
    "verified": _l("Marked as verified"),
}


# The parts of a profile an organisation's managers see filled or missing (privacy.upkeep).
PROFILE_PART_LABELS: dict[str, LazyString] = {
    "title": _l("Title or position"),
    "country": _l("Country"),
    "situations": _l("Security Council agenda"),
    "themes": _l("Themes"),
    "languages": _l("Languages"),
    "bio": _l("About her work"),
}


def audit_action_label(action: str) -> str:
    """The readable name of an audit action (the code itself when unknown)."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def role_label(role: str) -> str:
    """The readable name of a role (the code itself when unknown)."""
    return str(ROLE_LABELS.get(role, role))


def meeting_kind_label(kind: str) -> str:
    """The readable name of a kind of Council meeting (the code itself when unknown)."""
    return str(MEETING_KIND_LABELS.get(kind, kind))


def kind_label(kind: str) -> str:
    """The readable name of a kind of organisation (the code itself when unknown)."""
    return str(ORG_KIND_LABELS.get(kind, kind))
