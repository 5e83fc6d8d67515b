"""The signal list of the school's meldcode (Bijlage 1, "Signalen van kindermishandeling", children aged 4–12),
with the categories the national meldcode adds. Teachers pick items from this checklist; codes are stored."""

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
    "witnessing": [],
    "fgm": [],
    "honour": [],
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
