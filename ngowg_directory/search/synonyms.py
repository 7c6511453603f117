"""The short forms the directory's users type, and what each stands for: one curated table.

Each entry (`Synonym`) holds short forms as typed (DRC, RDC), the words they stand for in the
directory's languages (long forms: "Democratic Republic of the Congo", "République démocratique
du Congo", ...) and, where the short form means one value of a search filter, that value
(country CD, agenda item CD, theme crsv). An entry with a country also stands for that country's
names in every language (the UN's, then CLDR's: `reference.all_country_names`), and one with a
theme for the theme's names (`reference.theme_names_all`). The engine uses it both ways:

- on a query: `expansions(word)` gives the long forms of a short form, to search as well as the
  word, and `filters_for(word)` the filter values it stands for;
- on a document: `short_forms_for(text)` gives the short forms whose long form the (normalised)
  text holds, to index with it, so that "CRSV" finds a bio that says "conflict-related sexual
  violence"; `short_forms_for_filter(name, value)` gives those of a filter value (theme crsv).

Everything these functions return is normalised (`text.normalise`), as the index is. A short
form is one word once normalised ("oPt" -> "opt", "UNSCR1325" -> "unscr1325"); two entries never
share one. `problems()` lists what is wrong with the table: a country code, agenda item or
theme slug the reference data does not have, a shared short form, ... (a test asserts nothing).

The short forms of one entry also stand for each other: "RDC" is searched as "DRC" too, and a
document that says "DRC" is indexed with "RDC". Not those that are also ordinary words
(`ORDINARY_WORDS`: car, sea, opt, mps, ...): they expand to their long forms, and a document is
given them only for a long form it holds, never for the ordinary word. Left out altogether,
because they would fire on ordinary words: UN (fr, es "un"), AU (fr "au"), US ("us"), EAU (fr
"water", for UAE), PAN (es "bread", and "Pan-African", for NAP). DPO is the UN Department of
Peace Operations here, not a data protection officer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from babel import Locale

from .. import reference
from ..i18n import LANGUAGES, babel_locale
from .text import normalise

# Short forms that are also ordinary words (normalised): never matched as words in a document,
# nor searched in place of the entry's other short forms.
ORDINARY_WORDS = frozenset(
    {"car", "sea", "opt", "mps", "odd", "wand", "fas", "eu", "ue", "sg", "tj", "poc", "turkey"}
)


@dataclass(frozen=True)
class Synonym:
    """Short forms, the words they stand for, and the filter values they mean (if any)."""

    short: tuple[str, ...]
    long: tuple[str, ...] = ()
    country: str | None = None  # an ISO 3166-1 alpha-2 code
    situation: str | None = None  # a Security Council agenda item (reference.situations)
    theme: str | None = None  # a theme slug (reference.themes)

    def filters(self) -> dict[str, str]:
        """The filter values it stands for, by parameter name (search/params.py)."""
        values = {"country": self.country, "situation": self.situation, "theme": self.theme}
        return {name: value for name, value in values.items() if value}


def _resolutions() -> list[Synonym]:
    """SCR1325, UNSCR1820, ...: each Women, Peace and Security resolution typed as one word."""
    return [
        Synonym(
            short=(f"scr{number}", f"unscr{number}", f"r{number}"),
            long=(
                f"resolution {number}",
                f"security council resolution {number}",
                f"résolution {number}",
                f"resolución {number}",
                f"القرار {number}",
            ),
        )
        for number in reference.resolutions()
    ]


SYNONYMS: tuple[Synonym, ...] = (
    # --- countries and agenda items ----------------------------------------------------------
    Synonym(("DRC", "RDC", "DRCongo"), country="CD", situation="CD"),
    Synonym(("CAR", "RCA"), country="CF", situation="CF"),
    Synonym(
        ("oPt", "TPO", "OPT"),
        (
            "occupied Palestinian territory",
            "territoire palestinien occupé",
            "territorio palestino ocupado",
            "الأرض الفلسطينية المحتلة",
        ),
        country="PS",
        situation="PS",
    ),
    Synonym(("BiH",), country="BA", situation="BA"),
    Synonym(("UK",), ("Great Britain",), country="GB"),
    Synonym(("USA",), ("United States of America",), country="US"),
    Synonym(("UAE",), country="AE"),
    Synonym(("KSA",), country="SA"),
    Synonym(("DPRK",), country="KP"),
    Synonym(("ROK",), country="KR"),
    Synonym(("Turkey",), country="TR"),
    Synonym(("Swaziland",), country="SZ"),
    # --- Women, Peace and Security: themes and terms -----------------------------------------
    Synonym(
        ("WPS", "FPS", "MPS"),
        (
            "women peace and security",
            "femmes paix et sécurité",
            "mujeres paz y seguridad",
            "المرأة والسلام والأمن",
        ),
    ),
    Synonym(
        ("YPS",),
        ("youth peace and security", "jeunes paix et sécurité", "juventud paz y seguridad"),
    ),
    Synonym(
        ("CRSV", "VSLC"),
        (
            "conflict-related sexual violence",
            "sexual violence in conflict",
            "violences sexuelles liées aux conflits",
            "violencia sexual relacionada con los conflictos",
            "العنف الجنسي المرتبط بالنزاعات",
        ),
        theme="crsv",
    ),
    Synonym(
        ("SGBV", "VSBG"),
        (
            "sexual and gender-based violence",
            "violences sexuelles et basées sur le genre",
            "violencia sexual y de género",
            "العنف الجنسي والجنساني",
        ),
        theme="humanitarian-gbv",
    ),
    Synonym(
        ("GBV", "VBG"),
        (
            "gender-based violence",
            "violence basée sur le genre",
            "violences basées sur le genre",
            "violencia de género",
            "violencia basada en género",
            "العنف القائم على النوع الاجتماعي",
        ),
        theme="humanitarian-gbv",
    ),
    Synonym(
        ("VAW", "VAWG"),
        (
            "violence against women",
            "violence against women and girls",
            "violence à l'égard des femmes",
            "violencia contra las mujeres",
            "العنف ضد المرأة",
        ),
    ),
    Synonym(
        ("FGM", "MGF"),
        (
            "female genital mutilation",
            "mutilations génitales féminines",
            "mutilación genital femenina",
            "تشويه الأعضاء التناسلية الأنثوية",
        ),
    ),
    Synonym(
        ("WHRD", "WHRDs"),
        (
            "women human rights defenders",
            "woman human rights defender",
            "défenseuses des droits humains",
            "défenseuses des droits de l'homme",
            "defensoras de derechos humanos",
            "المدافعات عن حقوق الإنسان",
        ),
        theme="whrd-civic-space",
    ),
    Synonym(
        ("HRD", "HRDs"),
        (
            "human rights defenders",
            "human rights defender",
            "défenseurs des droits humains",
            "défenseurs des droits de l'homme",
            "defensores de derechos humanos",
            "المدافعون عن حقوق الإنسان",
        ),
    ),
    Synonym(
        ("NAP", "NAPs"),
        (
            "national action plan",
            "national action plans",
            "plan d'action national",
            "plans d'action nationaux",
            "plan de acción nacional",
            "planes de acción nacionales",
            "خطة العمل الوطنية",
        ),
        theme="national-action-plans",
    ),
    Synonym(
        ("IDP", "IDPs", "PDI", "PDIs"),
        (
            "internally displaced persons",
            "internally displaced people",
            "personnes déplacées internes",
            "personnes déplacées à l'intérieur de leur propre pays",
            "desplazados internos",
            "personas desplazadas internas",
            "النازحين داخليا",
            "النازحون داخليا",
        ),
        theme="displacement",
    ),
    Synonym(
        ("SEA", "EAS"),
        (
            "sexual exploitation and abuse",
            "exploitation et atteintes sexuelles",
            "explotación y abusos sexuales",
            "الاستغلال والانتهاك الجنسيين",
        ),
        theme="peacekeeping-sea",
    ),
    Synonym(
        ("DDR",),
        (
            "disarmament demobilization and reintegration",
            "disarmament demobilisation and reintegration",
            "désarmement démobilisation et réintégration",
            "desarme desmovilización y reintegración",
            "نزع السلاح والتسريح وإعادة الإدماج",
        ),
    ),
    Synonym(
        ("SALW", "ALPC", "APAL"),
        (
            "small arms and light weapons",
            "armes légères et de petit calibre",
            "armas pequeñas y armas ligeras",
            "armas pequeñas y ligeras",
            "الأسلحة الصغيرة والأسلحة الخفيفة",
        ),
        theme="disarmament",
    ),
    Synonym(
        ("PVE", "CVE"),
        (
            "preventing violent extremism",
            "prevention of violent extremism",
            "countering violent extremism",
            "prévention de l'extrémisme violent",
            "prevención del extremismo violento",
            "منع التطرف العنيف",
        ),
        theme="violent-extremism",
    ),
    Synonym(
        ("SRHR", "DSSR", "SDSR"),
        (
            "sexual and reproductive health and rights",
            "santé et droits sexuels et reproductifs",
            "droits et santé sexuels et reproductifs",
            "salud y derechos sexuales y reproductivos",
            "الصحة والحقوق الجنسية والإنجابية",
        ),
        theme="srhr",
    ),
    Synonym(("LGBT", "LGBTI", "LGBTQ", "LGBTQI", "LGBTIQ", "LGBTQIA"), ("LGBTIQ",), theme="lgbtiq"),
    Synonym(
        ("TJ",),
        (
            "transitional justice",
            "justice transitionnelle",
            "justicia transicional",
            "العدالة الانتقالية",
        ),
        theme="transitional-justice",
    ),
    Synonym(
        ("PoC",),
        (
            "protection of civilians",
            "protection des civils",
            "protección de los civiles",
            "حماية المدنيين",
        ),
    ),
    Synonym(
        ("IHL", "DIH"),
        (
            "international humanitarian law",
            "droit international humanitaire",
            "derecho internacional humanitario",
            "القانون الدولي الإنساني",
        ),
    ),
    Synonym(
        ("SDG", "SDGs", "ODD"),
        (
            "sustainable development goals",
            "objectifs de développement durable",
            "objetivos de desarrollo sostenible",
            "أهداف التنمية المستدامة",
        ),
    ),
    Synonym(
        ("CSO", "CSOs", "OSC"),
        (
            "civil society organisation",
            "civil society organisations",
            "civil society organization",
            "civil society organizations",
            "organisation de la société civile",
            "organisations de la société civile",
            "organización de la sociedad civil",
            "organizaciones de la sociedad civil",
            "منظمات المجتمع المدني",
        ),
    ),
    Synonym(
        ("NGO", "NGOs", "ONG"),
        (
            "non-governmental organisation",
            "non-governmental organization",
            "non-governmental organisations",
            "non-governmental organizations",
            "organisation non gouvernementale",
            "organización no gubernamental",
            "منظمة غير حكومية",
        ),
    ),
    Synonym(("NGOWG",), ("NGO Working Group on Women, Peace and Security",)),
    Synonym(
        ("CEDAW", "CEDEF", "سيداو"),
        (
            "Convention on the Elimination of All Forms of Discrimination against Women",
            "Convention sur l'élimination de toutes les formes de discrimination à l'égard des"
            " femmes",
            "Convención sobre la eliminación de todas las formas de discriminación contra la mujer",
            "اتفاقية القضاء على جميع أشكال التمييز ضد المرأة",
        ),
    ),
    # --- the Security Council and the UN system ---------------------------------------------
    Synonym(
        ("UNSC", "CSNU", "CSONU"),
        (
            "Security Council",
            "United Nations Security Council",
            "Conseil de sécurité",
            "Consejo de Seguridad",
            "مجلس الأمن",
        ),
    ),
    Synonym(
        ("UNSCR", "SCR"),
        (
            "Security Council resolution",
            "résolution du Conseil de sécurité",
            "resolución del Consejo de Seguridad",
            "قرار مجلس الأمن",
        ),
    ),
    Synonym(
        ("UNGA", "AGNU"),
        ("General Assembly", "Assemblée générale", "Asamblea General", "الجمعية العامة"),
    ),
    Synonym(
        ("ECOSOC",),
        (
            "Economic and Social Council",
            "Conseil économique et social",
            "Consejo Económico y Social",
            "المجلس الاقتصادي والاجتماعي",
        ),
    ),
    Synonym(
        ("HRC", "CDH"),
        (
            "Human Rights Council",
            "Conseil des droits de l'homme",
            "Consejo de Derechos Humanos",
            "مجلس حقوق الإنسان",
        ),
    ),
    Synonym(
        ("PBC",),
        (
            "Peacebuilding Commission",
            "Commission de consolidation de la paix",
            "Comisión de Consolidación de la Paz",
            "لجنة بناء السلام",
        ),
    ),
    Synonym(
        ("CSW",),
        (
            "Commission on the Status of Women",
            "Commission de la condition de la femme",
            "Comisión de la Condición Jurídica y Social de la Mujer",
            "لجنة وضع المرأة",
        ),
    ),
    Synonym(
        ("UNSG", "SG"),
        (
            "Secretary-General",
            "Secrétaire général",
            "Secretario General",
            "الأمين العام",
        ),
    ),
    Synonym(
        ("SRSG", "RSSG"),
        (
            "Special Representative of the Secretary-General",
            "Représentant spécial du Secrétaire général",
            "Représentante spéciale du Secrétaire général",
            "Representante Especial del Secretario General",
            "الممثل الخاص للأمين العام",
        ),
    ),
    Synonym(
        ("DPPA",),
        (
            "Department of Political and Peacebuilding Affairs",
            "Département des affaires politiques et de la consolidation de la paix",
            "Departamento de Asuntos Políticos y de Consolidación de la Paz",
            "إدارة الشؤون السياسية وبناء السلام",
        ),
    ),
    Synonym(
        ("DPO",),
        (
            "Department of Peace Operations",
            "Département des opérations de paix",
            "Departamento de Operaciones de Paz",
            "إدارة عمليات السلام",
        ),
    ),
    Synonym(
        ("DPKO", "DOMP"),
        (
            "Department of Peacekeeping Operations",
            "Département des opérations de maintien de la paix",
            "Departamento de Operaciones de Mantenimiento de la Paz",
            "إدارة عمليات حفظ السلام",
        ),
    ),
    Synonym(
        ("UNW", "UNWomen", "ONUFemmes", "ONUMujeres"),
        (
            "UN Women",
            "UN-Women",
            "United Nations Entity for Gender Equality and the Empowerment of Women",
            "ONU Femmes",
            "ONU Mujeres",
            "هيئة الأمم المتحدة للمرأة",
        ),
    ),
    Synonym(
        ("OHCHR", "HCDH", "ACNUDH"),
        (
            "Office of the United Nations High Commissioner for Human Rights",
            "Office of the High Commissioner for Human Rights",
            "Haut-Commissariat des Nations Unies aux droits de l'homme",
            "Haut-Commissariat aux droits de l'homme",
            "Oficina del Alto Comisionado de las Naciones Unidas para los Derechos Humanos",
            "مفوضية الأمم المتحدة السامية لحقوق الإنسان",
        ),
    ),
    Synonym(
        ("UNHCR", "HCR", "ACNUR"),
        (
            "Office of the United Nations High Commissioner for Refugees",
            "UN Refugee Agency",
            "Haut-Commissariat des Nations Unies pour les réfugiés",
            "Alto Comisionado de las Naciones Unidas para los Refugiados",
            "مفوضية الأمم المتحدة لشؤون اللاجئين",
        ),
    ),
    Synonym(
        ("UNFPA", "FNUAP"),
        (
            "United Nations Population Fund",
            "Fonds des Nations Unies pour la population",
            "Fondo de Población de las Naciones Unidas",
            "صندوق الأمم المتحدة للسكان",
        ),
    ),
    Synonym(
        ("UNDP", "PNUD"),
        (
            "United Nations Development Programme",
            "Programme des Nations Unies pour le développement",
            "Programa de las Naciones Unidas para el Desarrollo",
            "برنامج الأمم المتحدة الإنمائي",
        ),
    ),
    Synonym(
        ("UNICEF", "يونيسف", "اليونيسف"),
        (
            "United Nations Children's Fund",
            "Fonds des Nations Unies pour l'enfance",
            "Fondo de las Naciones Unidas para la Infancia",
            "منظمة الأمم المتحدة للطفولة",
        ),
    ),
    Synonym(("ONU",), ("United Nations", "Nations Unies", "Naciones Unidas", "الأمم المتحدة")),
    Synonym(
        ("EU", "UE"), ("European Union", "Union européenne", "Unión Europea", "الاتحاد الأوروبي")
    ),
    Synonym(
        ("OSCE",),
        (
            "Organization for Security and Co-operation in Europe",
            "Organisation pour la sécurité et la coopération en Europe",
            "Organización para la Seguridad y la Cooperación en Europa",
            "منظمة الأمن والتعاون في أوروبا",
        ),
    ),
    Synonym(
        ("ICC", "CPI"),
        (
            "International Criminal Court",
            "Cour pénale internationale",
            "Corte Penal Internacional",
            "المحكمة الجنائية الدولية",
        ),
    ),
    # --- peace operations and political missions (words only: a mission is not a filter) ----
    Synonym(
        ("MONUSCO",),
        (
            "United Nations Organization Stabilization Mission in the Democratic Republic of"
            " the Congo",
        ),
    ),
    Synonym(
        ("MINUSCA",),
        (
            "United Nations Multidimensional Integrated Stabilization Mission in the Central"
            " African Republic",
        ),
    ),
    Synonym(("UNMISS",), ("United Nations Mission in South Sudan",)),
    Synonym(("UNAMA",), ("United Nations Assistance Mission in Afghanistan",)),
    Synonym(("UNAMI",), ("United Nations Assistance Mission for Iraq",)),
    Synonym(("UNSMIL",), ("United Nations Support Mission in Libya",)),
    Synonym(
        ("MINUSMA",), ("United Nations Multidimensional Integrated Stabilization Mission in Mali",)
    ),
    Synonym(("UNFICYP",), ("United Nations Peacekeeping Force in Cyprus",)),
    Synonym(("UNIFIL", "FINUL"), ("United Nations Interim Force in Lebanon",)),
    Synonym(("UNSOM",), ("United Nations Assistance Mission in Somalia",)),
    Synonym(("BINUH",), ("United Nations Integrated Office in Haiti",)),
    Synonym(("MINURSO",), ("United Nations Mission for the Referendum in Western Sahara",)),
    Synonym(("UNVMC",), ("United Nations Verification Mission in Colombia",)),
    # --- member organisations of the Working Group (data/member_organizations.csv has no
    # acronym column: these are the acronyms they go by) ----------------------------------------
    Synonym(
        ("WILPF", "LIFPL", "LIMPAL"),
        (
            "Women's International League for Peace and Freedom",
            "Ligue internationale des femmes pour la paix et la liberté",
            "Liga Internacional de Mujeres por la Paz y la Libertad",
            "الرابطة النسائية الدولية للسلام والحرية",
        ),
    ),
    Synonym(("GNWP",), ("Global Network of Women Peacebuilders",)),
    Synonym(("IANSA",), ("International Action Network on Small Arms",)),
    Synonym(("HRW",), ("Human Rights Watch",)),
    Synonym(("IRC",), ("International Rescue Committee",)),
    Synonym(("WRC",), ("Women's Refugee Commission",)),
    Synonym(("GJC",), ("Global Justice Center",)),
    Synonym(("FAS",), ("Femmes Africa Solidarité",)),
    Synonym(("WAND",), ("Women's Action for New Directions",)),
    Synonym(("GAPW",), ("Global Action to Prevent War",)),
    *_resolutions(),
)


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


@cache
def _long_forms(entry: Synonym) -> tuple[tuple[str, ...], ...]:
    """The entry's long forms as normalised words: its own, its country's names in every
    language (the UN's first, then CLDR's), its theme's names in every language; each once."""
    phrases = [_phrase(text) for text in entry.long]
    if entry.country:
        un_first = [
            reference.country_name(entry.country, Locale.parse(babel_locale(lang)))
            for lang in LANGUAGES
        ]
        phrases += [_phrase(name) for name in un_first]
        phrases += [_phrase(name) for name in reference.all_country_names(entry.country)]
    if entry.theme:
        phrases += [_phrase(name) for name in reference.theme_names_all(entry.theme)]
    return tuple(phrase for phrase in dict.fromkeys(phrases) if phrase)


@cache
def _short_forms(entry: Synonym) -> tuple[str, ...]:
    return tuple(dict.fromkeys(normalise(short) for short in entry.short))


@cache
def _plain_short_forms(entry: Synonym) -> tuple[tuple[str, ...], ...]:
    """The entry's short forms that are not ordinary words, as one-word phrases."""
    return tuple((short,) for short in _short_forms(entry) if short not in ORDINARY_WORDS)


@cache
def _by_short() -> dict[str, Synonym]:
    table: dict[str, Synonym] = {}
    for entry in SYNONYMS:
        for short in _short_forms(entry):
            table.setdefault(short, entry)
    return table


@cache
def _by_first_word() -> dict[str, list[tuple[tuple[str, ...], Synonym]]]:
    """Every long form by its first word, longest first: a document is read in one pass."""
    table: dict[str, list[tuple[tuple[str, ...], Synonym]]] = {}
    for entry in SYNONYMS:
        for phrase in _long_forms(entry) + _plain_short_forms(entry):
            table.setdefault(phrase[0], []).append((phrase, entry))
    for candidates in table.values():
        candidates.sort(key=lambda candidate: -len(candidate[0]))
    return table


def lookup(word: str) -> Synonym | None:
    """The entry a short form belongs to (None when the word is not one)."""
    return _by_short().get(normalise(word))


def expansions(word: str) -> list[str]:
    """What a short form stands for, as normalised phrases ([] when it is not one): the long
    forms, then the entry's other short forms that are not ordinary words."""
    entry = lookup(word)
    if entry is None:
        return []
    folded = normalise(word)
    phrases = [" ".join(phrase) for phrase in _long_forms(entry) + _plain_short_forms(entry)]
    return [text for text in dict.fromkeys(phrases) if text != folded]


def filters_for(word: str) -> dict[str, str]:
    """The filter values a short form stands for, by parameter name ({"country": "CD"})."""
    entry = lookup(word)
    return entry.filters() if entry else {}


def short_forms_for(text: str) -> list[str]:
    """The short forms whose long form (or another short form that is not an ordinary word) a
    normalised document text holds, as whole words; in the table's order, each once (the ones
    the text holds included)."""
    words = text.split()
    found: set[Synonym] = set()
    table = _by_first_word()
    for index, word in enumerate(words):
        for phrase, entry in table.get(word, ()):
            if entry not in found and tuple(words[index : index + len(phrase)]) == phrase:
                found.add(entry)
    return _shorts_of(entry for entry in SYNONYMS if entry in found)


def short_forms_for_filter(name: str, value: str) -> list[str]:
    """The short forms that stand for one filter value (short_forms_for_filter("theme",
    "crsv") == ["crsv", "vslc"]), to index on documents that carry it."""
    return _shorts_of(entry for entry in SYNONYMS if entry.filters().get(name) == value)


def _shorts_of(entries: Iterable[Synonym]) -> list[str]:
    return list(dict.fromkeys(short for entry in entries for short in _short_forms(entry)))


def problems() -> list[str]:
    """What is wrong with the table: unknown codes or slugs, shared or empty short forms,
    short forms of more than one word, entries that stand for nothing, ordinary words that are
    no short form."""
    found = []
    owners: dict[str, Synonym] = {}
    for entry in SYNONYMS:
        label = entry.short[0] if entry.short else repr(entry)
        if entry.country and entry.country not in reference.country_codes():
            found.append(f"{label}: unknown country {entry.country}")
        if entry.situation and entry.situation not in reference.situations():
            found.append(f"{label}: unknown agenda item {entry.situation}")
        if entry.theme and entry.theme not in reference.themes():
            found.append(f"{label}: unknown theme {entry.theme}")
        if not entry.short:
            found.append(f"{label}: no short form")
        for short in entry.short:
            folded = normalise(short)
            if not folded or " " in folded:
                found.append(f"{label}: short form {short!r} is not one word")
            elif folded in owners and owners[folded] is not entry:
                found.append(f"{label}: short form {short!r} also belongs to {owners[folded]}")
            owners.setdefault(folded, entry)
        if not _long_forms(entry):
            found.append(f"{label}: stands for nothing")
    found += [f"ordinary word {word!r} is no short form" for word in ORDINARY_WORDS - set(owners)]
    return found
