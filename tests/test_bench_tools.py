"""The benchmark tools measure what they claim: the import benchmark's file is valid as a
whole, and the load generator's form reader posts the edit form as a browser would."""

from __future__ import annotations

from bench.importspeed import orgs_csv, people_csv
from bench.load import form_fields
from ngowg_directory.extensions import db
from ngowg_directory.models import User

from .test_profiles import profile_form


def test_the_import_benchmark_file_is_valid_row_by_row(app, runner, tmp_path):
    orgs = tmp_path / "orgs.csv"
    orgs.write_text(orgs_csv(5), encoding="utf-8")
    assert runner.invoke(args=["import-orgs", str(orgs)]).exit_code == 0
    people = tmp_path / "people.csv"
    people.write_text(people_csv(300, 5), encoding="utf-8")
    result = runner.invoke(args=["import-people", "--dry-run", str(people)])
    assert result.exit_code == 0, result.output
    assert "300 would be added, 0 refused." in result.output


def test_the_load_generator_posts_the_edit_form_as_the_page_offers_it(
    app, client, make_user, login
):
    user = make_user("staff", name="Form Reader")
    login(client, user)
    # A profile with list values set through the page itself, so the form shows them chosen.
    data = profile_form(client, name="Form Reader", title="Adviser", country="SD")
    data.update(situations=["SD", "SS"], themes=["crsv"], languages=["ar", "en"])
    assert client.form("/account/profile", data, page="/account/profile").status_code == 302

    html = client.get("/account/profile").get_data(as_text=True)
    fields = form_fields(html, "/account/profile")
    names = [name for name, _value in fields]
    assert "opened" in names and "csrf_token" in names
    # Every value comes back unchanged: multi-selects and the text fields alike.
    assert sorted(v for n, v in fields if n == "situations") == ["SD", "SS"]
    assert sorted(v for n, v in fields if n == "languages") == ["ar", "en"]
    assert dict(fields)["title"] == "Adviser" and dict(fields)["country"] == "SD"
    changed = [(n, "Senior adviser" if n == "title" else v) for n, v in fields]
    answer = client.post("/account/profile", data=_multi(changed))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    saved = db.session.get(User, user.id).profile
    assert saved.title == "Senior adviser"
    assert sorted(saved.situation_codes) == ["SD", "SS"]
    assert sorted(saved.language_codes) == ["ar", "en"]


def _multi(pairs: list[tuple[str, str]]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)
