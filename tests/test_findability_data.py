"""Findability data (issue 17): name keys across scripts, the synonym table, names in every
language, and country names as the UN writes them on every page and in exports."""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel import Locale
from flask_babel import force_locale

from ngowg_directory import i18n, labels, reference
from ngowg_directory.extensions import db
from ngowg_directory.models import OrganizationCountry, ProfileSituation
from ngowg_directory.search import index, scripts, synonyms
from ngowg_directory.search.text import normalise
from ngowg_directory.services import export

pure = pytest.mark.backend_independent

# --- name keys -----------------------------------------------------------------------------

SAME_NAME = [
    ("Fatima", "فاطمة"),
    ("Fatma", "فاطمة"),
    ("Fatimah", "فاطمه"),
    ("Salma", "سلمى"),
    ("Amina", "أمينة"),
    ("Rana", "رنا"),
    ("Aisha", "عائشة"),
    ("Aishah", "عائشة"),
    ("Aicha", "عائشة"),
    ("Khadija", "خديجة"),
    ("Khadidja", "خديجة"),
    ("Hassan", "حسن"),
    ("Hasan", "حَسَن"),
    ("Zainab", "زينب"),
    ("Zeinab", "زينب"),
    ("Mariam", "مريم"),
    ("Maryam", "مريم"),
    ("Nour", "نور"),
    ("Noor", "نور"),
    ("Layla", "ليلى"),
    ("Leila", "ليلى"),
    ("Huda", "هدى"),
    ("Samira", "سميرة"),
    ("Yasmin", "ياسمين"),
    ("Yasmine", "ياسمين"),
    ("Djamila", "جميلة"),
    ("Jamila", "جميلة"),
    ("Gamila", "جميلة"),
    ("Rasha", "رشا"),
    ("Hanan", "حنان"),
    ("Suad", "سعاد"),
    ("Souad", "سعاد"),
    ("Mona", "منى"),
    ("Muna", "منى"),
    ("Sarah", "سارة"),
    ("Saleh", "صالح"),
    ("Mohammed", "مُحَمَّد"),
    ("Muhammad", "محمد"),
    ("Ahmed", "أحمد"),
    ("Omar", "عمر"),
    ("Walid", "وليد"),
    ("Ghada", "غادة"),
    ("Khaled", "خالد"),
    ("Ibrahim", "إبراهيم"),
    ("Abdullah", "عبدالله"),
    ("Sa'ad", "سعد"),
    ("Taha", "طه"),
    # Persian letters
    ("Parvin", "پروین"),
    ("Shirin", "شیرین"),
    ("Zhaleh", "ژاله"),
    ("Golnar", "گلنار"),
    ("Parisa", "پریسا"),
    # Cyrillic
    ("Maria", "Мария"),
    ("Natalia", "Наталья"),
    ("Elena", "Елена"),
    ("Olga", "Ольга"),
    ("Alexandra", "Александра"),
    ("Khadija", "Хадиджа"),
    ("Hassan", "Хасан"),
    ("Aisha", "Айша"),
    # Latin spellings of one name
    ("Fatima", "FATIMA"),
    ("Nuñez", "Nunez"),
    ("Mohamed", "Mohammed"),
]


@pure
@pytest.mark.parametrize(("one", "other"), SAME_NAME)
def test_two_spellings_of_a_name_share_a_key(one, other):
    assert scripts.key(one) == scripts.key(other) != ""
    assert scripts.name_keys(one)[0] == scripts.name_keys(other)[0]


@pure
def test_the_table_of_spellings_is_long_enough():
    arabic = [pair for pair in SAME_NAME if re.search("[\u0600-\u06ff]", pair[1])]
    assert len(arabic) >= 25
    assert any(re.search("[پچژگکی]", other) for _one, other in SAME_NAME)
    assert any(re.search("[а-я]", other) for _one, other in SAME_NAME)


DIFFERENT_NAMES = [
    ("Fatima", "Karima"),
    ("Rana", "Dana"),
    ("Amina", "Mona"),  # the leading vowel mark
    ("Hanan", "Hana"),  # a vowel letter keeps two n apart
    ("Aisha", "Aissa"),  # sh is not s
    ("Samira", "Samia"),
    ("Jamila", "Kamila"),
    ("Layla", "Lina"),
    ("Nour", "Nadia"),
    ("Huda", "Hind"),
    ("Zainab", "Zina"),
    ("فاطمة", "كريمة"),
    ("رنا", "دانا"),
]


@pure
@pytest.mark.parametrize(("one", "other"), DIFFERENT_NAMES)
def test_different_names_get_different_keys(one, other):
    assert scripts.key(one) != scripts.key(other)


# Permissive by design (documented in search/scripts.py): these collide.
KNOWN_COLLISIONS = [
    ("Hassan", "Hussein"),
    ("Hassan", "حسين"),
    ("Salma", "Selim"),
    ("Mona", "Mina"),
    ("Khalil", "Halil"),
]


@pure
@pytest.mark.parametrize(("one", "other"), KNOWN_COLLISIONS)
def test_the_documented_collisions_do_collide(one, other):
    assert scripts.key(one) == scripts.key(other)


@pure
def test_the_keys_read_as_the_docstring_says():
    assert scripts.key("Fatima") == "ftm"
    assert scripts.key("Hassan") == "hsn"
    assert scripts.key("Amina") == "amn"
    assert scripts.key("Khadidja") == "hdj"
    assert scripts.key("Aisha") == "ac"
    assert scripts.key("Parvin") == "brn"  # v is dropped like w, not merged into f
    assert scripts.key("Philippa") == scripts.key("Filiba")  # ph -> f, p -> b
    assert scripts.key("Quentin") == scripts.key("Kentin")  # q -> k
    assert scripts.key("Cecilia") == scripts.key("Sesilia")  # c before e, i -> s
    assert scripts.key("Xenia") == "ksn"
    assert set(scripts.key("Zbigniew Brzęczyszczykiewicz")) <= set("abtdszkjchflmnr")


@pure
@pytest.mark.parametrize(
    "word", ["", "   ", "1325", "١٣٢٥", "2024", "Eva", "Aya", "آية", "ou", "a", "王芳", "…"]
)
def test_a_word_without_a_consonant_or_of_digits_gives_no_key(word):
    assert scripts.key(word) == ""
    assert scripts.name_keys(word) == []


@pure
def test_name_keys_gives_each_key_once_in_order_and_never_an_empty_one():
    assert scripts.name_keys("Fatima Zahra Fatma 1325 Eva") == ["ftm", "zhr"]
    assert scripts.name_keys(None) == []
    assert "" not in scripts.name_keys("Aya Eva Rana ١٩ Ana")


@pure
def test_the_article_and_the_particles_are_read_both_ways():
    # Arabic writes the article joined; Latin letters often apart.
    assert scripts.name_keys("الحسن") == ["alhsn", "hsn"]
    assert "alhsn" in scripts.name_keys("Al-Hassan")
    assert "alhsn" in scripts.name_keys("El Hassan")
    assert scripts.key("Alhassan") == scripts.key("الحسن")
    # A particle and the next word as one word.
    assert scripts.key("Abdel Rahman") == scripts.key("عبدالرحمن")
    assert scripts.key("عبدالرحمن") in scripts.name_keys("Abdel Rahman")
    assert scripts.key("Abdelrahman") in scripts.name_keys("عبد الرحمن")
    assert scripts.key("Abu Bakr") in scripts.name_keys("أبوبكر")


@pure
def test_an_apostrophe_or_an_ayn_mark_does_not_cut_a_name():
    assert scripts.key("Sa'ad") == scripts.key("Sa’ad") == scripts.key("Saad") == scripts.key("سعد")
    assert scripts.key("ʿAisha") == scripts.key("Aisha")
    assert scripts.key("Ba’albaki") == scripts.key("Baalbaki")
    assert scripts.name_keys("Sa'ad") == [scripts.key("Saad")]


@pure
def test_a_query_word_already_normalised_gives_the_same_key():
    # The engine may pass a query already normalised ("Sa'ad" -> "sa ad"): the same key.
    for one, other in SAME_NAME:
        assert scripts.key(normalise(one)) == scripts.key(one)
        assert scripts.key(normalise(other)) == scripts.key(other)


# --- synonyms ------------------------------------------------------------------------------


@pure
def test_the_synonym_table_has_no_problem():
    assert synonyms.problems() == []
    assert len(synonyms.SYNONYMS) >= 60


@pure
def test_every_code_and_slug_of_the_table_exists_in_the_reference_data():
    for entry in synonyms.SYNONYMS:
        if entry.country:
            assert entry.country in reference.country_codes(), entry
        if entry.situation:
            assert entry.situation in reference.situations(), entry
        if entry.theme:
            assert entry.theme in reference.themes(), entry


@pure
def test_the_short_forms_the_issue_names_are_in_the_table():
    for short in (
        "DRC",
        "RDC",
        "CAR",
        "RCA",
        "CRSV",
        "SGBV",
        "GBV",
        "VSBG",
        "WHRD",
        "WHRDs",
        "HRD",
        "DPPA",
        "DPO",
        "UNSC",
        "CSNU",
        "oPt",
        "UNSCR",
        "WPS",
        "FPS",
        "MPS",
        "NAP",
        "IDP",
        "PDI",
        "UNW",
        "OHCHR",
        "HCDH",
        "UNHCR",
        "HCR",
        "ACNUR",
        "UNFPA",
        "UNDP",
        "PNUD",
        "UNICEF",
        "DPKO",
        "GNWP",
        "WILPF",
        "LIFPL",
    ):
        assert synonyms.lookup(short) is not None, short
        assert synonyms.expansions(short), short


@pure
def test_a_short_form_expands_to_its_long_forms_in_every_language():
    drc = synonyms.expansions("DRC")
    assert "democratic republic of the congo" in drc
    assert "republique democratique du congo" in drc
    assert "republica democratica del congo" in drc
    assert normalise("جمهورية الكونغو الديمقراطية") in drc
    assert "rdc" in drc and "drc" not in drc
    assert synonyms.expansions("drc") == drc == synonyms.expansions(" DRC ")
    assert synonyms.filters_for("DRC") == {"country": "CD", "situation": "CD"}
    assert synonyms.filters_for("RCA") == {"country": "CF", "situation": "CF"}
    assert synonyms.filters_for("oPt") == {"country": "PS", "situation": "PS"}
    assert "occupied palestinian territory" in synonyms.expansions("oPt")


@pure
def test_a_theme_short_form_stands_for_the_theme_in_every_language():
    crsv = synonyms.expansions("CRSV")
    assert "conflict related sexual violence" in crsv
    for name in reference.theme_names_all("crsv"):
        assert normalise(name) in crsv
    assert synonyms.filters_for("crsv") == {"theme": "crsv"}
    assert synonyms.filters_for("NAP") == {"theme": "national-action-plans"}
    assert synonyms.filters_for("IDPs") == {"theme": "displacement"}
    assert synonyms.filters_for("WHRD") == {"theme": "whrd-civic-space"}


@pure
def test_organisations_of_the_working_group_are_found_by_their_acronyms():
    assert synonyms.expansions("WILPF")[0] == normalise(
        "Women's International League for Peace and Freedom"
    )
    assert "global network of women peacebuilders" in synonyms.expansions("GNWP")
    names = {row["name"] for row in reference._rows("member_organizations.csv")}
    long_forms = {long for entry in synonyms.SYNONYMS for long in entry.long}
    for name in (
        "Women's International League for Peace and Freedom",
        "Global Network of Women Peacebuilders",
        "International Action Network on Small Arms",
        "Human Rights Watch",
    ):
        assert name in names and name in long_forms


@pure
def test_a_word_that_is_no_short_form_expands_to_nothing():
    for word in ("women", "peace", "", "congo", "us", "un", "au", "eau", "pan"):
        assert synonyms.expansions(word) == []
        assert synonyms.filters_for(word) == {}
        assert synonyms.lookup(word) is None


@pure
def test_short_forms_are_found_for_the_long_forms_a_document_holds():
    text = normalise(
        "Works on conflict-related sexual violence in the Democratic Republic of the Congo, "
        "with UN Women and the Women's International League for Peace and Freedom, on "
        "Security Council resolution 1325."
    )
    found = synonyms.short_forms_for(text)
    for short in ("crsv", "vslc", "drc", "rdc", "unw", "unwomen", "wilpf", "lifpl"):
        assert short in found
    for short in ("unsc", "unscr", "scr1325", "unscr1325"):
        assert short in found
    assert len(found) == len(set(found))
    assert "car" not in found and "sgbv" not in found


@pure
def test_short_forms_are_found_as_whole_words_only():
    assert synonyms.short_forms_for(normalise("democratic republic of the congolese")) == []
    assert synonyms.short_forms_for(normalise("human rights watcher")) == []
    assert synonyms.short_forms_for("") == []


@pure
def test_one_short_form_gives_the_others_unless_it_is_an_ordinary_word():
    assert synonyms.short_forms_for(normalise("Works on SGBV in the DRC")) == [
        "drc",
        "rdc",
        "drcongo",
        "sgbv",
        "vsbg",
    ]
    # "car", "sea", "MPs" in a bio are ordinary words, not acronyms.
    assert synonyms.short_forms_for(normalise("A car by the sea; works with MPs")) == []
    # ... but they still expand when typed.
    assert "central african republic" in synonyms.expansions("CAR")
    assert "rca" in synonyms.expansions("car")
    assert "car" not in synonyms.expansions("RCA")


@pure
def test_short_forms_for_a_filter_value():
    assert synonyms.short_forms_for_filter("theme", "crsv") == ["crsv", "vslc"]
    assert synonyms.short_forms_for_filter("country", "CD") == ["drc", "rdc", "drcongo"]
    assert synonyms.short_forms_for_filter("situation", "PS") == ["opt", "tpo"]
    assert synonyms.short_forms_for_filter("theme", "participation") == []


@pure
def test_the_country_short_forms_follow_every_name_of_the_country():
    # A document with a country's names in it (as index.py writes them) gets its short forms.
    text = normalise(" ".join(reference.all_country_names("CD")))
    assert synonyms.short_forms_for(text) == ["drc", "rdc", "drcongo"]
    assert "turkey" in synonyms.short_forms_for(normalise(reference.country_name("TR")))


# --- names in every language ---------------------------------------------------------------


@pure
def test_the_languages_come_from_i18n():
    names = reference.all_country_names("SD")
    assert set(names) == {Locale(lang).territories["SD"] for lang in i18n.LANGUAGES}


@pure
def test_a_theme_has_its_name_in_every_catalogue():
    names = reference.theme_names_all("disarmament")
    assert names[0] == "Small arms and disarmament"
    assert "Armes légères et désarmement" in names
    assert len(names) == len(i18n.LANGUAGES)
    assert reference.theme_names_all("no-such-theme") == []
    for slug in reference.themes():
        names = reference.theme_names_all(slug)
        assert names[0] == reference.themes()[slug].name
        assert len(names) == len(set(names))


def test_theme_names_all_agrees_with_the_pages(app):
    for slug in reference.themes():
        names = reference.theme_names_all(slug)
        for lang in i18n.LANGUAGES:
            with force_locale(lang):
                assert str(labels.THEME_NAMES[slug]) in names, (slug, lang)


@pure
def test_an_agenda_item_has_its_name_in_every_language():
    palestine = reference.situation_names_all("PS")
    assert palestine[0] == "The situation in the Middle East including the Palestinian question"
    assert "La situation au Moyen-Orient, y compris la question palestinienne" in palestine
    assert len(palestine) == len(i18n.LANGUAGES)
    congo = reference.situation_names_all("CD")
    assert congo == [
        "Democratic Republic of the Congo",
        "République démocratique du Congo",
        "República Democrática del Congo",
        "جمهورية الكونغو الديمقراطية",
        "Демократическая Республика Конго",
        "刚果民主共和国",
        "جمهوری دموکراتیک کنگو",
        "د کانګو دیموکراتیک جمهوریت",
        "Демократична Республіка Конго",
    ]
    assert reference.situation_names_all("XX") == []


# --- country names as the UN writes them ---------------------------------------------------

UN_NAMES = {
    ("CD", "en"): "Democratic Republic of the Congo",
    ("CD", "fr"): "République démocratique du Congo",
    ("CD", "es"): "República Democrática del Congo",
    ("CD", "ar"): "جمهورية الكونغو الديمقراطية",
    ("PS", "en"): "State of Palestine",
    ("PS", "fr"): "État de Palestine",
    ("PS", "es"): "Estado de Palestina",
    ("PS", "ar"): "دولة فلسطين",
    ("CG", "en"): "Congo",
    ("MM", "en"): "Myanmar",
    ("TR", "en"): "Türkiye",
    ("TR", "fr"): "Türkiye",
    ("CI", "ar"): "كوت ديفوار",
    ("SY", "en"): "Syrian Arab Republic",
    ("RU", "en"): "Russian Federation",
    ("VN", "en"): "Viet Nam",
    ("KR", "en"): "Republic of Korea",
    ("IR", "en"): "Iran (Islamic Republic of)",
    ("GB", "en"): "United Kingdom",
    ("US", "en"): "United States",
    ("SD", "ar"): "السودان",
}


@pure
@pytest.mark.parametrize(("code", "language"), sorted(UN_NAMES))
def test_country_name_is_the_uns_where_it_has_one(code, language):
    assert reference.country_name(code, Locale(language)) == UN_NAMES[code, language]


@pure
def test_country_name_falls_back_to_cldr_then_pycountry_then_the_code():
    assert reference.country_name("DE", Locale("fr")) == Locale("fr").territories["DE"]
    assert reference.country_name("CD", Locale("de")) == Locale("de").territories["CD"]
    assert reference.country_name("CD", Locale("fr", "CA")) == UN_NAMES["CD", "fr"]
    assert reference.country_name("", Locale("en")) == ""
    assert reference.country_name("XY", Locale("en")) == "XY"


@pure
def test_the_un_table_names_known_countries_in_the_directorys_languages():
    for code, names in reference.UN_COUNTRY_NAMES.items():
        assert code in reference.country_codes(), code
        assert names and set(names) <= set(i18n.LANGUAGES), code
        assert all(name.strip() == name and name for name in names.values()), code
    for code in ("CD", "CG", "MM", "PS", "KP", "KR", "LA", "IR", "SY", "VN", "TZ", "MD", "RU"):
        assert set(reference.UN_COUNTRY_NAMES[code]) >= {"en", "fr", "es", "ar", "ru", "zh"}, code
    for code in ("CD", "CG", "PS", "KP", "KR"):
        assert set(reference.UN_COUNTRY_NAMES[code]) == set(i18n.LANGUAGES), code


@pure
def test_all_country_names_holds_the_uns_and_cldrs():
    names = reference.all_country_names("CD")
    assert "Democratic Republic of the Congo" in names
    assert "Congo - Kinshasa" in names
    assert "جمهورية الكونغو الديمقراطية" in names
    fields = index.person_fields(
        name="Test",
        role="defender",
        org=None,
        title="",
        affiliation="",
        bio="",
        country="CD",
        situations=[],
        themes=[],
        languages=[],
    )
    assert "democratic republic of the congo" in fields[0]
    assert "congo kinshasa" in fields[0]


@pure
def test_the_english_agenda_and_country_names_agree():
    # One page shows both facets: an agenda item named after a country is named alike.
    for code, label in reference.situations().items():
        if code not in labels.SITUATION_LABELS:
            assert label == reference.country_name(code, reference.ENGLISH), code


def _listed(make_user, name: str, country: str, situations: tuple[str, ...] = ()):
    person = make_user("defender", name=name)
    person.profile.country = country
    db.session.add_all(ProfileSituation(user_id=person.id, code=code) for code in situations)
    db.session.commit()
    return person


def _country_options(html: str) -> dict[str, str]:
    select = re.search(r'<select name="country" id="f-country">(.*?)</select>', html, re.S)
    assert select
    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+) \(\d+\)</option>', select[1])
    return {code: unescape(name) for code, name in options}


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_pages_name_cd_and_ps_as_the_un_does(app, client, make_user, make_org, login, language):
    congo = _listed(make_user, "Amani Congo", "CD")
    palestine = _listed(make_user, "Rana Palestine", "PS")
    viewer = make_user("staff")
    viewer.locale = language
    db.session.commit()
    login(client, viewer)
    cldr = Locale(language).territories

    options = _country_options(client.get("/directory").get_data(as_text=True))
    assert options["CD"] == UN_NAMES["CD", language]
    assert options["PS"] == UN_NAMES["PS", language]

    for person, code in ((congo, "CD"), (palestine, "PS")):
        html = unescape(client.get(f"/people/{person.id}").get_data(as_text=True))
        assert UN_NAMES[code, language] in html
        if cldr[code] != UN_NAMES[code, language]:
            assert cldr[code] not in html

    org = make_org("un-names")
    org.headquarters_country = "CD"
    db.session.add(OrganizationCountry(organization_id=org.id, code="PS"))
    db.session.commit()
    html = unescape(client.get("/orgs/un-names").get_data(as_text=True))
    assert UN_NAMES["CD", language] in html and UN_NAMES["PS", language] in html


def test_the_english_directory_never_says_congo_kinshasa(app, client, make_user, login):
    _listed(make_user, "Amani Congo", "CD", ("CD",))
    login(client, make_user("staff"))
    html = unescape(client.get("/directory").get_data(as_text=True))
    assert "Democratic Republic of the Congo" in html
    assert "Kinshasa" not in html
    # Both names still find her.
    for query in ("Democratic Republic of the Congo", "Kinshasa", "République démocratique"):
        found = unescape(client.get("/directory", query_string={"q": query}).get_data(True))
        assert "Amani Congo" in found, query


def test_an_export_names_the_country_as_the_un_does(app, make_user):
    person = _listed(make_user, "Amani Congo", "CD")
    cards, count = export.to_vcards(None)
    assert count == 1
    assert "NOTE:Democratic Republic of the Congo" in cards
    assert "Kinshasa" not in cards
    text, _count = export.to_csv(None)
    header, row = text.splitlines()[:2]
    assert header.split(",")[export.COLUMNS.index("country")] == "country"
    assert row.split(",")[0] == str(person.id)
    assert row.split(",")[export.COLUMNS.index("country")] == "CD"  # the code, in any language
