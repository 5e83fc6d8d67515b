"""The signal list of the school's meldcode (Bijlage 1, "Signalen van kindermishandeling", children aged 4–12),
with the categories the national meldcode adds — witnessing domestic violence, female genital mutilation and
honour-related violence — and their items from the national signal lists used with the meldcode (the signals of
children who witness violence between their parents, the VGV and eergerelateerd geweld lists), as far as they apply
to primary-school children. Teachers pick items from this checklist; codes are stored."""

import unicodedata
from dataclasses import dataclass, field

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import Contains
from django.utils.translation import gettext_lazy as _

CATEGORIES = [
    ("physical", _("Physical wellbeing")),
    ("behaviour", _("Child's behaviour")),
    ("behaviour_children", _("Child's behaviour towards other children")),
    ("behaviour_parents", _("Child's behaviour towards parents")),
    ("behaviour_adults", _("Child's behaviour towards other adults")),
    ("behaviour_other", _("Child's behaviour: other")),
    ("parent", _("Parent's behaviour")),
    ("family", _("Family situation")),
    ("sexual_physical", _("Sexual abuse: physical wellbeing")),
    ("sexual_behaviour", _("Sexual abuse: child's behaviour")),
    ("witnessing", _("Witnessing domestic violence")),
    ("fgm", _("Female genital mutilation")),
    ("honour", _("Honour-related violence")),
]

ITEMS = {
    "physical": [
        ("bruises", _("bruises, burns, fractures, cuts, scratches and bite wounds")),
        ("growth", _("growth delay")),
        ("overweight", _("overweight")),
        ("teeth", _("poorly maintained teeth")),
        ("aches", _("regular stomach aches, headaches or fainting")),
        ("hygiene", _("child smells, regularly wears dirty clothes")),
        ("tired", _("overtired")),
        ("ill", _("often ill")),
        ("recovery", _("illnesses heal poorly")),
        ("hungry", _("child is hungry")),
        ("eating", _("eating disorders")),
        ("motor", _("delayed motor development")),
        ("toilet", _("not toilet-trained at the age when that is expected")),
    ],
    "behaviour": [
        ("timid", _("timid, depressed")),
        ("spontaneous", _("little spontaneity")),
        ("passive", _("passive, listless, little interest in play")),
        ("apathetic", _("apathetic, shows no feelings or pain")),
        ("withdrawn", _("withdrawn, lives in a fantasy world")),
        ("labile", _("emotionally unstable")),
        ("nervous", _("very nervous")),
        ("hyperactive", _("hyperactive")),
        ("self_image", _("negative self-image, little self-confidence, fear of failure")),
        ("body_image", _("negative body image")),
        ("aggressive", _("aggressive, destructive")),
        ("masturbation", _("excessive masturbation")),
    ],
    "behaviour_children": [
        ("aggressive", _("aggressive")),
        ("plays_little", _("plays little with other children")),
        ("fleeting", _("fleeting friendships")),
        ("distrustful", _("distrustful")),
        ("unpopular", _("not liked by other children")),
    ],
    "behaviour_parents": [
        ("anxious", _("anxious, jumpy, watchful")),
        ("compliant", _("compliant, submissive")),
        ("different", _("behaves differently with parents present than without")),
    ],
    "behaviour_adults": [
        ("undress", _("afraid to undress")),
        ("examination", _("afraid of physical examination")),
        ("freezes", _("freezes at physical contact")),
        ("anxious", _("anxious, jumpy, watchful")),
        ("compliant", _("compliant, submissive")),
        ("aggressive", _("aggressive")),
        ("clingy", _("overly affectionate")),
        ("distrustful", _("distrustful")),
        ("eye_contact", _("avoids eye contact")),
    ],
    "behaviour_other": [
        ("sudden_change", _("sudden change in behaviour")),
        ("age", _("does not behave according to age")),
        ("results", _("poor school results")),
        ("hanging_around", _("hanging around after school")),
        ("language", _("language and speech disorders")),
    ],
    "parent": [
        ("indifferent", _("indifferent about the child's wellbeing")),
        ("negative", _("regularly speaks negatively about the child")),
        ("no_comfort", _("does not comfort the child")),
        ("cannot_cope", _("says they cannot cope any more")),
        ("addicted", _("is addicted")),
        ("ill", _("is seriously (mentally) ill")),
        ("suicide_threat", _("has threatened to take their own life")),
        ("clothing", _("dresses the child too warmly or too lightly")),
        ("cancels", _("regularly cancels appointments")),
        ("keeps_home", _("often keeps the child home from school")),
        ("expectations", _("has unrealistic expectations of the child")),
        ("pressure", _("puts the child under pressure to perform")),
    ],
    "family": [
        (
            "stress",
            _("a combination of stressful circumstances, such as poor housing, financial and relationship problems"),
        ),
        ("isolation", _("social isolation")),
        ("single_parent", _("single parent")),
        ("partner_abuse", _("partner abuse")),
        ("moves", _("the family moves regularly")),
        ("hygiene", _("poor general hygiene")),
    ],
    "sexual_physical": [
        ("genital_injuries", _("injuries to the genitals")),
        ("infections", _("vaginal infections and discharge")),
        ("itching", _("itching of the vagina or anus")),
        ("thigh_pain", _("pain in the upper legs")),
        ("walking_pain", _("pain when walking or sitting")),
        ("urinating", _("problems urinating")),
        ("uti", _("urinary tract infections")),
        ("std", _("sexually transmitted diseases")),
    ],
    "sexual_behaviour": [
        ("legs", _("presses legs together when walking")),
        ("contact_aversion", _("aversion to physical contact")),
        ("absent", _("seems absent during physical examination")),
        ("sexualised", _("extremely sexualised behaviour and language")),
        ("approaches", _("seeks sexual contact with adults")),
    ],
    "witnessing": [
        ("tells_violence", _("tells about quarrels, shouting or violence between the adults at home")),
        ("afraid_home", _("afraid to go home, or does not want to go home")),
        ("worried_parent", _("worries about a parent, wants to protect them or stay with them")),
        ("parentified", _("takes on the care of a parent or of brothers and sisters (parentificatie)")),
        ("alert", _("jumpy and watchful, startles at raised voices or sudden movements")),
        ("sleep_concentration", _("sleeping problems, tired, trouble concentrating")),
        ("reenacts", _("acts out violence in play or with other children")),
        ("guilt", _("feels guilty or blames themselves for the problems at home")),
        ("loyalty", _("loyalty conflict: torn between the parents")),
        ("parent_injured", _("a parent has visible injuries, or tells about violence by the partner")),
        ("police", _("the police have been called to the family's home")),
    ],
    "fgm": [
        ("risk_country", _("the family comes from a country or region where girls are circumcised")),
        ("family_circumcised", _("the mother or an older sister is circumcised")),
        (
            "long_trip",
            _("a long stay in the country of origin is planned, or the child talks about a special celebration there"),
        ),
        (
            "absent_after_holiday",
            _("the child stays away longer than planned after a holiday, or is absent for a long time"),
        ),
        ("toilet", _("goes to the toilet often or for a long time, pain when urinating, bladder infections")),
        ("walking_sitting", _("difficulty walking, sitting or cycling after a holiday or an absence")),
        ("avoids_pe", _("avoids gym or swimming lessons, or undressing")),
        ("examination", _("afraid of a medical examination")),
        ("changed", _("withdrawn, anxious or depressed after a holiday")),
        ("tells", _("tells about being circumcised, or that it will happen")),
    ],
    "honour": [
        ("controlled", _("is strictly controlled or watched by family members, also outside the home")),
        ("restricted", _("may not take part in school trips, camp, gym or swimming, or have friends over")),
        ("afraid_family", _("afraid of the family's reaction when something becomes known")),
        ("threats", _("tells about threats, or punishment for behaviour that would bring shame on the family")),
        ("marriage", _("talks about an arranged or forced marriage, or a marriage promise")),
        ("left_behind", _("fear of being left behind in the country of origin")),
        ("sudden_absence", _("suddenly absent, or does not come back after a holiday")),
        ("self_harm", _("harms themselves or talks about not wanting to live any more")),
        ("sibling_watches", _("a brother or another family member keeps watch on the child")),
        ("family_violence", _("violence or threats between family members over the family's honour")),
    ],
}

CATEGORY_CHOICES = CATEGORIES
ITEM_CHOICES = [
    (label_group, [(f"{code}.{item}", text) for item, text in ITEMS[code]])
    for code, label_group in CATEGORIES
    if ITEMS[code]
]
ITEM_CODES = {f"{code}.{item}" for code, items in ITEMS.items() for item, _text in items}
CATEGORY_CODES = {code for code, _label in CATEGORIES}
_ITEM_LABELS = {f"{code}.{item}": text for code, items in ITEMS.items() for item, text in items}
_CATEGORY_LABELS = dict(CATEGORIES)


def item_label(code: str) -> str:
    return str(_ITEM_LABELS.get(code, code))


def category_label(code: str) -> str:
    return str(_CATEGORY_LABELS.get(code, code))


def categories_with_items(categories: list[str], items: list[str]) -> list[str]:
    """The categories ticked, and those of the items ticked (an item brings its category along), in the list's
    order."""
    chosen = set(categories) | {code.split(".", 1)[0] for code in items}
    return [code for code, _label in CATEGORIES if code in chosen]


def _folded(text: str) -> str:
    """For searching: lower case, without accents ("ééntje" finds "eentje")."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass
class Item:
    code: str
    label: str
    ticked: bool = False
    found: bool = False


@dataclass
class Group:
    """A category of the signal list as the form shows it: a ``<details>`` with the category and its items, open
    when something in it is ticked or found by the search."""

    code: str
    label: str
    ticked: bool = False
    items: list[Item] = field(default_factory=list)
    found: bool = False

    @property
    def ticked_count(self) -> int:
        return sum(item.ticked for item in self.items) + (1 if self.ticked and not self.items else 0)

    @property
    def open(self) -> bool:
        return self.found or any(item.ticked for item in self.items) or self.ticked


def groups(*, ticked_categories=(), ticked_items=(), query: str = "") -> list[Group]:
    """The signal list grouped per category (each category's items in the order of Bijlage 1), with what is ticked,
    and what matches ``query`` (every word of it, accents and case ignored) marked ``found``."""
    words = _folded(query).split()
    result = []
    for code, label in CATEGORIES:
        group = Group(code=code, label=str(label), ticked=code in ticked_categories)
        for item, text in ITEMS[code]:
            key = f"{code}.{item}"
            haystack = _folded(f"{text} {label}")
            group.items.append(
                Item(
                    code=key,
                    label=str(text),
                    ticked=key in ticked_items,
                    found=bool(words) and all(word in haystack for word in words),
                )
            )
        group.found = bool(words) and (
            any(item.found for item in group.items) or all(word in _folded(label) for word in words)
        )
        result.append(group)
    return result


# Signals about a parent's own problems (domain.md §9.9): psychiatric or serious illness, addiction, domestic violence,
# a suicide threat, a parent who cannot cope. When a signal names one, the kindcheck applies: are there (other)
# children in the family, and are they safe?
PARENT_PROBLEM_ITEMS = frozenset(
    {
        "parent.addicted",
        "parent.ill",
        "parent.suicide_threat",
        "parent.cannot_cope",
        "family.partner_abuse",
    }
)
PARENT_PROBLEM_CATEGORIES = frozenset({"witnessing"})


def concerns_parent_problems(*, items, categories) -> bool:
    """Does a signal with these signal-list ``items`` and ``categories`` concern a parent's own problems?"""
    return bool(
        PARENT_PROBLEM_ITEMS.intersection(items or ()) or PARENT_PROBLEM_CATEGORIES.intersection(categories or ())
    )


def parent_problems_condition() -> Q:
    """``concerns_parent_problems`` as a condition the database evaluates on a record's ``items`` and
    ``categories`` (JSON lists of codes, read as text, which is the same on SQLite and PostgreSQL: a code is named
    when ``"code"`` occurs in it): the kindcheck prompt's filter, and the flag of the chronology's index
    (``records.RecordKind.index_flag``)."""
    condition = Q()
    for field_name, codes in (("items", PARENT_PROBLEM_ITEMS), ("categories", PARENT_PROBLEM_CATEGORIES)):
        for code in sorted(codes):
            condition |= Q(Contains(Cast(field_name, TextField()), f'"{code}"'))
    return condition
