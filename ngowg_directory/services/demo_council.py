"""The demo's Council month (`ngowg seed-demo`): this month's presidency, eight meetings, and
published recommendations on four situations in English and French. Fictional, but written
as the Working Group's Monthly Action Points are."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Organization, Recommendation, RecommendationCredit, User
from . import council, recommendations

PRESIDENCY = "GR"
# (day of the month, item, kind, title)
MEETINGS = (
    (3, "AF", "briefing", "UNAMA: briefing by the Special Representative"),
    (6, "SD", "briefing", "Sudan: humanitarian situation and protection of civilians"),
    (10, "YE", "briefing", "Yemen: briefing by the Special Envoy"),
    (13, "CD", "mandate_renewal", "MONUSCO mandate renewal"),
    (15, "wps", "open_debate", "Open debate on women and peace and security"),
    (17, "SD", "consultations", "Sudan sanctions: the 1591 Committee"),
    (20, "AF", "arria", "Arria-formula meeting: Afghan women's participation in public life"),
    (24, "SS", "consultations", "South Sudan: UNMISS"),
)

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "SD": {
        "en": (
            "Sudan: protect women and girls, and fund the women-led responders",
            "Council members should:\n\n"
            "1. **Demand an immediate end to conflict-related sexual violence** by all parties, "
            "and call for the perpetrators, including commanders, to be held to account.\n"
            "2. Urge unimpeded humanitarian access across conflict lines and borders, and "
            "direct, flexible funding for the **women-led emergency response rooms** and "
            "local organisations that provide survivors with medical and psychosocial care.\n"
            "3. Insist that any ceasefire or political talks include women's rights "
            "organisations, with at least 30% women among the delegates.\n"
            "4. Ask the Secretary-General to report on reprisals against women human rights "
            "defenders who speak to the Council.",
        ),
        "fr": (
            "Soudan : protéger les femmes et les filles, financer les actrices de première ligne",
            "Les membres du Conseil devraient :\n\n"
            "1. **Exiger la fin immédiate des violences sexuelles liées aux conflits** commises "
            "par toutes les parties, et demander que leurs auteurs, y compris les "
            "commandant·es, répondent de leurs actes.\n"
            "2. Demander un accès humanitaire sans entrave, à travers les lignes de front et "
            "les frontières, et un financement direct et souple des **salles d'intervention "
            "d'urgence dirigées par des femmes** et des organisations locales qui soignent les "
            "survivantes.\n"
            "3. Exiger que tout cessez-le-feu ou dialogue politique associe les organisations "
            "de défense des droits des femmes, avec au moins 30 % de déléguées.\n"
            "4. Demander au Secrétaire général de rendre compte des représailles contre les "
            "défenseuses des droits humains qui s'adressent au Conseil.",
        ),
    },
    "AF": {
        "en": (
            "Afghanistan: no normalisation without women's rights",
            "In renewing its attention to UNAMA, the Council should:\n\n"
            "- Condemn the Taliban's edicts barring women and girls from secondary and higher "
            "education, most work, and public life, and make their reversal a **precondition "
            "for any normalisation**.\n"
            "- Ensure that Afghan women, inside the country and in exile, take part in every "
            "meeting on Afghanistan, including the Doha process, **safely and in their own "
            "names or anonymously, as they choose**.\n"
            "- Ask UNAMA to keep reporting on gender persecution, with data disaggregated by "
            "sex, age and province.",
        ),
        "fr": (
            "Afghanistan : pas de normalisation sans les droits des femmes",
            "À l'occasion de son examen de la MANUA, le Conseil devrait :\n\n"
            "- Condamner les décrets des talibans qui privent les femmes et les filles "
            "d'enseignement secondaire et supérieur, de la plupart des emplois et de la vie "
            "publique, et faire de leur abrogation une **condition préalable à toute "
            "normalisation**.\n"
            "- Veiller à ce que les Afghanes, dans le pays comme en exil, participent à toute "
            "réunion sur l'Afghanistan, y compris le processus de Doha, **en sécurité, sous "
            "leur nom ou anonymement, comme elles le choisissent**.\n"
            "- Demander à la MANUA de continuer à rendre compte de la persécution fondée sur "
            "le genre, avec des données ventilées par sexe, âge et province.",
        ),
    },
    "CD": {
        "en": (
            "Democratic Republic of the Congo: a responsible MONUSCO drawdown",
            "As it renews MONUSCO's mandate, the Council should:\n\n"
            "1. Keep the protection of civilians and **gender expertise** (women protection "
            "advisers) at the heart of the mandate during any drawdown.\n"
            "2. Ask for a gender-sensitive transition plan, drawn up with Congolese women's "
            "organisations in North and South Kivu and Ituri.\n"
            "3. Request support for survivors' access to justice, including mobile courts, "
            "and for reparations.",
        ),
        "fr": (
            "République démocratique du Congo : un retrait responsable de la MONUSCO",
            "En renouvelant le mandat de la MONUSCO, le Conseil devrait :\n\n"
            "1. Maintenir la protection des civil·es et **l'expertise en matière de genre** "
            "(conseillères pour la protection des femmes) au cœur du mandat pendant tout "
            "retrait.\n"
            "2. Demander un plan de transition sensible au genre, élaboré avec les "
            "organisations de femmes congolaises du Nord-Kivu, du Sud-Kivu et de l'Ituri.\n"
            "3. Demander un appui à l'accès des survivantes à la justice, y compris par des "
            "audiences foraines, et aux réparations.",
        ),
    },
    "YE": {
        "en": (
            "Yemen: women at the table, and freedom of movement",
            "Council members should:\n\n"
            "- Call on all parties to lift restrictions on women's freedom of movement, "
            "including the *mahram* requirement imposed on humanitarian workers.\n"
            "- Urge the Special Envoy to ensure **meaningful participation of women** in every "
            "track of the peace process, beyond consultations.\n"
            "- Demand the release of detained women activists and humanitarian staff.",
        ),
        "fr": (
            "Yémen : les femmes à la table, et la liberté de circulation",
            "Les membres du Conseil devraient :\n\n"
            "- Appeler toutes les parties à lever les restrictions à la liberté de circulation "
            "des femmes, y compris l'exigence du *mahram* imposée aux travailleuses "
            "humanitaires.\n"
            "- Exhorter l'Envoyé spécial à garantir la **participation effective des femmes** à "
            "chaque volet du processus de paix, au-delà des consultations.\n"
            "- Exiger la libération des militantes et des humanitaires détenues.",
        ),
    },
}


def seed(admin: User | None, credited: User | None) -> int:
    """This month's programme and recommendations, when the month is not entered yet: the
    number of meetings added (0 when it was there already)."""
    month = council.this_month()
    if council.find_month(month) is not None or admin is None:
        return 0
    council.save_month(month, PRESIDENCY, "", admin)
    for day, item, kind, title in MEETINGS:
        date = month + timedelta(days=day - 1)
        council.add_meeting({"date": date, "item": item, "kind": kind, "title": title}, admin)
    row = council.month_for(month)
    for item, texts in TEXTS.items():
        rec = recommendations.create(row, item, admin)
        data = {loc: {"title": title, "body": body} for loc, (title, body) in texts.items()}
        recommendations.save_texts(rec, data, admin)
        recommendations.publish(rec, month, admin)
    _credits(row.id, credited)
    return len(MEETINGS)


def _credits(month_id: int, credited: User | None) -> None:
    """An organisation's credit, accepted by its manager, and one offered to a defender."""
    sudan = db.session.scalar(
        sa.select(Recommendation).where(
            Recommendation.item == "SD", Recommendation.month_id == month_id
        )
    )
    wilpf = db.session.scalar(sa.select(Organization).where(Organization.slug == "wilpf"))
    if sudan is None:
        return
    if wilpf is not None:
        db.session.add(
            RecommendationCredit(
                recommendation_id=sudan.id, organization_id=wilpf.id, state="accepted"
            )
        )
    if credited is not None:
        db.session.add(RecommendationCredit(recommendation_id=sudan.id, user_id=credited.id))
    db.session.flush()
