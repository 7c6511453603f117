"""A person's own profile: edit, privacy, hide and show, consent, reveal log, deletion."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import privacy as policy
from .. import reference
from ..extensions import db
from ..forms import ConfirmForm, field_labels, save_edit
from ..labels import PROFILE_PART_LABELS
from ..models import CONTACT_FIELDS
from ..services import consent as consent_step
from ..services import profiles, reminders
from ..services.locking import Conflict
from ..sessions import end_session
from ..validation import ValidationError
from . import bp
from .forms import (
    AUDIENCE_LABELS,
    FIELD_LABELS,
    ConnectionSettingsForm,
    ConsentForm,
    DeleteAccountForm,
    PrivacyForm,
    ProfileForm,
)
from .views import check_current

# The parts of her profile, as she reads them on her own first-run steps.
OWN_PART_LABELS = {**PROFILE_PART_LABELS, "bio": _l("About your work")}

LIST_FIELDS = ("situations", "themes", "languages")
# The first-run steps (profile, then audiences, then the agreement) carry ?first_run=1 from
# one to the next; each page is also reached on its own, without it.
FIRST_RUN = "first_run"
# How a viewer was shown her details (the reveal audit's `channel`).
CHANNEL_LABELS = {
    "profile": _l("on your profile page"),
    "vcard": _l("in a downloaded contact card (vCard)"),
    "api": _l("through the API"),
    "export": _l("in an export of the directory"),
}


def _first_run() -> bool:
    """Led through the first-run steps: asked for, and she has not agreed yet."""
    if request.args.get(FIRST_RUN) != "1":
        return False
    return bool(consent_step.state(current_user) != consent_step.AGREED)


def _profile_form() -> ProfileForm:
    form = ProfileForm()
    form.country.choices = [("", _("Choose a country")), *reference.country_choices()]
    form.situations.choices = reference.situation_choices()
    form.themes.choices = reference.theme_choices()
    form.languages.choices = reference.language_choices()
    if not form.is_submitted():
        form.process(data=profiles.snapshot(current_user))
    return form


@bp.route("/profile", methods=["GET", "POST"])
def profile() -> str | Response:
    """Edit one's own profile; a save over someone else's newer save is refused."""
    form = _profile_form()
    saved, conflict = save_edit(
        form,
        profiles.EDITABLE,
        lambda data, opened: profiles.update(current_user, data, opened, actor=current_user),
        lambda: profiles.sign_snapshot(current_user),
    )
    first_run = _first_run()
    if saved:
        db.session.commit()
        if first_run:
            flash(
                _("Your profile has been saved. Next: choose who sees each contact detail."),
                "success",
            )
            return redirect(url_for("account.privacy", first_run=1))
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("people.show", person_id=current_user.id))
    return render_template(
        "account/profile.html",
        form=form,
        first_run=first_run,
        conflict=conflict,
        field_labels=field_labels(form, profiles.EDITABLE),
        common_languages=reference.COMMON_LANGUAGES,
    )


@bp.route("/privacy", methods=["GET", "POST"])
def privacy() -> str | Response:
    """Her contact details beside who sees each; each audience's view of her; hide or show
    the profile; consent; contact request settings."""
    profile = current_user.profile
    form = PrivacyForm(
        data={
            **{name: profile.audience(name) for name in CONTACT_FIELDS},
            **{f"{name}_value": getattr(profile, name) for name in CONTACT_FIELDS},
        }
    )
    conflict = None
    first_run = _first_run()
    if not form.is_submitted():
        form.opened.data = profiles.sign_contact(current_user)
    elif form.validate_on_submit():
        try:
            _save_privacy(form)
        except ValidationError as exc:
            _show_error(form, exc)
        except Conflict as exc:
            conflict = exc.changes
            form.opened.data = profiles.sign_contact(current_user)
        else:
            db.session.commit()
            if first_run:
                flash(
                    _(
                        "Your privacy settings have been saved. Last step: check what each "
                        "audience will see, and agree."
                    ),
                    "success",
                )
                return redirect(url_for("account.consent"))
            flash(_("Your privacy settings have been saved."), "success")
            return redirect(url_for("account.privacy"))
    return render_template(
        "account/privacy.html",
        form=form,
        first_run=first_run,
        conflict=conflict,
        settings_form=ConnectionSettingsForm(
            prefix="cs",
            data={
                "notify_email": profile.notify_email,
                "managers_may_answer": profile.managers_may_answer,
            },
        ),
        confirm=ConfirmForm(),
        profile=profile,
        previews=consent_step.preview(current_user),
        listed=policy.is_listed(current_user),
        field_labels=FIELD_LABELS,
    )


def _save_privacy(form: PrivacyForm) -> None:
    audiences = {name: form[name].data for name in CONTACT_FIELDS}
    if not form.opened.data:  # the audiences alone (an older form, a script): no value changes
        profiles.set_audiences(current_user, audiences)
        return
    values = {name: form[f"{name}_value"].data for name in CONTACT_FIELDS}
    profiles.update_contact(current_user, values, audiences, form.opened.data, current_user)


def _show_error(form: PrivacyForm, exc: ValidationError) -> None:
    """A refused value at its field (the audiences were checked by the form already)."""
    name = f"{exc.field}_value"
    if name not in form:
        flash(str(exc), "error")  # the lock's "reload the page": no field of its own
        return
    form[name].errors = [*form[name].errors, str(exc)]


def _toggle(action: str) -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if action == "hide":
        profiles.set_hidden(current_user, True)
        message = _("Your profile is hidden. Nobody but you and the secretariat can see it.")
    elif action == "show":
        profiles.set_hidden(current_user, False)
        message = _("Your profile is visible again.")
    else:
        profiles.set_consent(current_user, False)
        message = _("You are no longer listed. Nobody but you and the secretariat can see you.")
    db.session.commit()
    consent_step.forget_state()
    flash(message, "success")
    return redirect(url_for("account.privacy"))


@bp.post("/settings/connections")
def connection_settings() -> Response:
    """E-mail notices on or off; let the organisation's managers answer requests."""
    form = ConnectionSettingsForm(prefix="cs")
    if not form.validate_on_submit():
        abort(400)
    profiles.set_connection_settings(
        current_user, notify=form.notify_email.data, delegate=form.managers_may_answer.data
    )
    db.session.commit()
    flash(_("Your contact request settings have been saved."), "success")
    return redirect(url_for("account.privacy"))


@bp.post("/hide")
def hide() -> Response:
    """Hide my profile now."""
    return _toggle("hide")


@bp.post("/show")
def show() -> Response:
    """Show my profile again."""
    return _toggle("show")


@bp.route("/consent", methods=["GET", "POST"])
def consent() -> str | Response:
    """The consent step: each audience's view of her, then her own "I agree to be listed"."""
    form = ConsentForm()
    if form.validate_on_submit():
        profiles.set_consent(current_user, True)
        db.session.commit()
        consent_step.forget_state()
        if current_user.profile.hidden:
            flash(_("Thank you. Your profile stays hidden until you show it again."), "success")
            return redirect(url_for("account.privacy"))
        flash(_("Thank you. You are now listed in the directory."), "success")
        return redirect(url_for("directory.index"))
    if form.is_submitted():
        abort(400)
    session["consent_led"] = True  # seen at this sign-in: the start page no longer leads here
    upkeep = policy.own_upkeep(current_user)
    return render_template(
        "account/consent.html",
        form=form,
        later=ConfirmForm(),
        profile=current_user.profile,
        upkeep=upkeep,
        missing_parts=[OWN_PART_LABELS[part] for part in upkeep.missing],
        contact_given=[
            (FIELD_LABELS[name], AUDIENCE_LABELS[current_user.profile.audience(name)])
            for name in CONTACT_FIELDS
            if getattr(current_user.profile, name)
        ],
        previews=consent_step.preview(current_user),
        field_labels=FIELD_LABELS,
    )


@bp.post("/consent/later")
def consent_later() -> Response:
    """ "Not now": stay unlisted, and stop being led to the step at each sign-in."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    consent_step.defer(current_user)
    db.session.commit()
    consent_step.forget_state()
    flash(_("You are not listed. You can agree at any time from your privacy page."), "info")
    return redirect(url_for("directory.index"))


@bp.post("/consent/withdraw")
def withdraw_consent() -> Response:
    """Withdraw consent: unlisted at once, as if hidden, until she agrees again."""
    return _toggle("withdraw")


@bp.app_context_processor
def consent_notice() -> dict[str, object]:
    """Every page of someone not yet listed by her own agreement says so (cheaply)."""

    def needed() -> bool:
        if not has_request_context() or not current_user.is_authenticated:
            return False
        if request.endpoint in ("account.consent", "account.two_factor_setup"):
            return False
        if request.args.get(FIRST_RUN) == "1":  # her first-run steps say it already
            return False
        return consent_step.remembered_state(current_user) != consent_step.AGREED

    return {"consent_notice": needed}


@bp.get("/reveals")
def reveals() -> str:
    """Who was shown my contact details, and when."""
    return render_template(
        "account/reveals.html",
        days=profiles.reveal_days(current_user),
        field_labels=FIELD_LABELS,
        channel_labels=CHANNEL_LABELS,
    )


@bp.route("/delete", methods=["GET", "POST"])
def delete() -> str | Response:
    """Delete my account for good, after the password and an explicit confirmation."""
    form = DeleteAccountForm()
    if form.validate_on_submit() and check_current(form):
        user = current_user._get_current_object()
        end_session()
        profiles.delete_account(user, actor=user)
        db.session.commit()
        flash(_("Your account and everything about you in the directory are deleted."), "info")
        return redirect(url_for("auth.login"))
    return render_template("account/delete.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm_profile(token: str) -> str | Response | tuple[str, int]:
    """The reminder's one-time link: confirm the profile is still right."""
    user = reminders.user_for_token(token)
    if user is None or user.id != current_user.id:
        return render_template("auth/link_invalid.html", kind="confirm"), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        profiles.confirm(user)
        db.session.commit()
        flash(_("Thank you: your profile is marked as up to date."), "success")
        return redirect(url_for("people.show", person_id=user.id))
    return render_template(
        "account/confirm.html",
        form=form,
        months=current_app.config["PROFILE_STALE_DAYS"] // 30,
    )
