"""Forms of the connection pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField


class RequestForm(FlaskForm):
    message = TextAreaField(
        _l("Why do you ask for contact?"),
        description=_l(
            "20 to 1,000 characters, plain text. Only she (and, if she allowed it, her "
            "organisation's managers) will read it."
        ),
        render_kw={"rows": 5, "maxlength": 1000, "minlength": 20},
    )
    submit = SubmitField(_l("Ask for contact"))
