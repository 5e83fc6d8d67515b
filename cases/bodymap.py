"""The body map of a signal (issue 15): where on the pupil's body something was seen, what it was, its size, colour
and a note — stored as structured data on the signal (``Signal.body_marks``: a list of marks), append-only like the
rest of the chronology (a correction is a new signal).

A mark is ``{"region": <code>, "kind": <code>, "size": <text>, "colour": <code or "">, "note": <text>}``.
The regions are drawn as a child's outline, front and back (``templates/cases/_bodymap_svg.html``: inline SVG, no
external assets); their shapes are defined here, in one coordinate system per side (0-120 wide, 0-250 high), so that
the form's picture and the chronology's picture agree. Left and right are the child's own: on the front the child's
right is on the viewer's left.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_MARKS = 10  # stored per signal
FORM_ROWS = 6  # rows of the form without JavaScript (with it, as many as are marked, up to MAX_MARKS)
MAX_SIZE = 40
MAX_NOTE = 300

FRONT = "front"
BACK = "back"
SIDES = {FRONT: _("front of the body"), BACK: _("back of the body")}
SIDE_WIDTH = 120
SIDE_HEIGHT = 250


def _rect(x, y, w, h, r=5) -> str:
    return (
        f"M{x + r},{y}h{w - 2 * r}a{r},{r} 0 0 1 {r},{r}v{h - 2 * r}a{r},{r} 0 0 1 -{r},{r}"
        f"h-{w - 2 * r}a{r},{r} 0 0 1 -{r},-{r}v-{h - 2 * r}a{r},{r} 0 0 1 {r},-{r}z"
    )


def _ellipse(cx, cy, rx, ry) -> str:
    return f"M{cx - rx},{cy}a{rx},{ry} 0 1 0 {2 * rx},0a{rx},{ry} 0 1 0 -{2 * rx},0z"


# The parts of the outline: (part, x, y, width, height, ellipse?) on the viewer's side "a" (left of the picture)
# and "b" (right of it); centre parts have one shape.
_SHAPES = {
    "head": (_ellipse(60, 22, 16, 19), (60, 22)),
    "neck": (_rect(53, 40, 14, 10, 3), (60, 45)),
    "chest": (_rect(38, 50, 44, 37, 8), (60, 68)),
    "belly": (_rect(40, 87, 40, 30, 4), (60, 102)),
    "pelvis": (_rect(40, 117, 40, 19, 6), (60, 126)),
    "upper_arm_a": (_rect(23, 52, 14, 42, 6), (30, 73)),
    "upper_arm_b": (_rect(83, 52, 14, 42, 6), (90, 73)),
    "forearm_a": (_rect(20, 94, 14, 37, 6), (27, 112)),
    "forearm_b": (_rect(86, 94, 14, 37, 6), (93, 112)),
    "hand_a": (_ellipse(26, 139, 8, 9), (26, 139)),
    "hand_b": (_ellipse(94, 139, 8, 9), (94, 139)),
    "thigh_a": (_rect(41, 136, 18, 50, 7), (50, 160)),
    "thigh_b": (_rect(61, 136, 18, 50, 7), (70, 160)),
    "lower_leg_a": (_rect(42, 186, 16, 48, 6), (50, 209)),
    "lower_leg_b": (_rect(62, 186, 16, 48, 6), (70, 209)),
    "foot_a": (_ellipse(49, 240, 10, 6), (49, 240)),
    "foot_b": (_ellipse(71, 240, 10, 6), (71, 240)),
}

# Per side: (code, its name, the shape); the names are the child's own left and right.
_PARTS = {
    FRONT: [
        ("head", _("face"), "head"),
        ("neck", _("throat"), "neck"),
        ("chest", _("chest"), "chest"),
        ("belly", _("belly"), "belly"),
        ("genitals", _("genital area"), "pelvis"),
        ("upper_arm_right", _("right upper arm"), "upper_arm_a"),
        ("upper_arm_left", _("left upper arm"), "upper_arm_b"),
        ("forearm_right", _("right forearm"), "forearm_a"),
        ("forearm_left", _("left forearm"), "forearm_b"),
        ("hand_right", _("right hand"), "hand_a"),
        ("hand_left", _("left hand"), "hand_b"),
        ("thigh_right", _("right thigh"), "thigh_a"),
        ("thigh_left", _("left thigh"), "thigh_b"),
        ("shin_right", _("right shin"), "lower_leg_a"),
        ("shin_left", _("left shin"), "lower_leg_b"),
        ("foot_right", _("right foot"), "foot_a"),
        ("foot_left", _("left foot"), "foot_b"),
    ],
    BACK: [
        ("head", _("back of the head"), "head"),
        ("neck", _("back of the neck"), "neck"),
        ("upper_back", _("upper back"), "chest"),
        ("lower_back", _("lower back"), "belly"),
        ("buttocks", _("buttocks"), "pelvis"),
        ("upper_arm_left", _("left upper arm"), "upper_arm_a"),
        ("upper_arm_right", _("right upper arm"), "upper_arm_b"),
        ("forearm_left", _("left forearm"), "forearm_a"),
        ("forearm_right", _("right forearm"), "forearm_b"),
        ("hand_left", _("back of the left hand"), "hand_a"),
        ("hand_right", _("back of the right hand"), "hand_b"),
        ("thigh_left", _("back of the left thigh"), "thigh_a"),
        ("thigh_right", _("back of the right thigh"), "thigh_b"),
        ("calf_left", _("left calf"), "lower_leg_a"),
        ("calf_right", _("right calf"), "lower_leg_b"),
        ("foot_left", _("left heel"), "foot_a"),
        ("foot_right", _("right heel"), "foot_b"),
    ],
}


@dataclass(frozen=True)
class Region:
    code: str  # "front.chest"
    side: str
    part_name: str
    path: str  # the SVG path, in the side's coordinates
    centre: tuple[int, int]

    @property
    def name(self) -> str:
        """ "left upper arm (back)", translated."""
        return gettext("%(part)s (%(side)s)") % {"part": self.part_name, "side": SIDES[self.side]}


REGIONS: dict[str, Region] = {
    f"{side}.{code}": Region(f"{side}.{code}", side, name, *_SHAPES[shape])
    for side, parts in _PARTS.items()
    for code, name, shape in parts
}

KINDS = {
    "bruise": _("bruise"),
    "burn": _("burn"),
    "cut": _("cut"),
    "scratch": _("scratch or graze"),
    "swelling": _("swelling"),
    "bite": _("bite mark"),
    "scar": _("scar"),
    "other": _("something else (see the note)"),
}

COLOURS = {
    "red": _("red"),
    "blue_purple": _("blue or purple"),
    "green_yellow": _("green or yellow"),
    "brown": _("brown"),
    "black": _("black"),
    "pale": _("pale or white"),
    "other": _("another colour (see the note)"),
}

FIELDS = ("region", "kind", "size", "colour", "note")


def region_choices() -> list:
    """The regions grouped by side, for a select."""
    return [
        (str(SIDES[side]), [(code, r.name) for code, r in REGIONS.items() if r.side == side]) for side in (FRONT, BACK)
    ]


def is_blank(mark: dict) -> bool:
    return not any(str(mark.get(f) or "").strip() for f in FIELDS)


def clean_marks(value) -> list[dict]:
    """The marks of ``value`` (a list of dicts, from the form or the database) cleaned: blank rows dropped, text
    trimmed, every mark complete and known. Raises a ``ValidationError`` with a Dutch message per problem, naming
    the mark by its number."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError(_("The body map could not be read."), code="invalid")
    marks, errors = [], []
    for mark in value:
        if not isinstance(mark, dict) or set(mark) - set(FIELDS):
            raise ValidationError(_("The body map could not be read."), code="invalid")
        if is_blank(mark):
            continue
        number = len(marks) + 1  # as the form shows it again: the blank rows left out
        clean = {f: str(mark.get(f) or "").strip() for f in FIELDS}
        where = {"number": number}
        if not clean["region"]:
            errors.append(gettext("Mark %(number)s: choose where on the body it was seen.") % where)
        elif clean["region"] not in REGIONS:
            errors.append(gettext("Mark %(number)s: choose a place on the body from the list.") % where)
        if not clean["kind"]:
            errors.append(gettext("Mark %(number)s: choose what was seen.") % where)
        elif clean["kind"] not in KINDS:
            errors.append(gettext("Mark %(number)s: choose what was seen from the list.") % where)
        if clean["colour"] and clean["colour"] not in COLOURS:
            errors.append(gettext("Mark %(number)s: choose a colour from the list.") % where)
        if len(clean["size"]) > MAX_SIZE:
            errors.append(
                gettext("Mark %(number)s: write the size in at most %(max)s characters.")
                % {"number": number, "max": MAX_SIZE}
            )
        if len(clean["note"]) > MAX_NOTE:
            errors.append(
                gettext("Mark %(number)s: write the note in at most %(max)s characters.")
                % {"number": number, "max": MAX_NOTE}
            )
        marks.append(clean)
    if len(marks) > MAX_MARKS:
        errors.append(gettext("Mark at most %(max)s places; describe more in the description.") % {"max": MAX_MARKS})
    if errors:
        raise ValidationError(errors, code="invalid")
    return marks


def validate_body_marks(value) -> None:
    """The model field's validator: the stored list must be clean as it is (no blank rows)."""
    if clean_marks(value) != (value or []):
        raise ValidationError(_("The body map could not be read."), code="invalid")


@dataclass(frozen=True)
class ShownMark:
    number: int
    region: Region
    kind: str
    size: str
    colour: str
    note: str

    @property
    def summary(self) -> str:
        """ "bruise, about 3 cm, blue or purple" — what was seen, in words."""
        return ", ".join(p for p in (self.kind, self.size, self.colour) if p)


def shown_marks(marks) -> list[ShownMark]:
    """The stored marks with their names, numbered as on the picture."""
    shown = []
    for number, mark in enumerate(marks or [], 1):
        region = REGIONS.get(mark.get("region"))
        if region is None:
            continue
        shown.append(
            ShownMark(
                number,
                region,
                str(KINDS.get(mark.get("kind"), mark.get("kind", ""))),
                mark.get("size", ""),
                str(COLOURS.get(mark.get("colour"), "")) if mark.get("colour") else "",
                mark.get("note", ""),
            )
        )
    return shown


# --- The picture ----------------------------------------------------------------------------------------------------

SIDE_GAP = 20
LABEL_HEIGHT = 18
VIEWBOX = f"0 0 {2 * SIDE_WIDTH + SIDE_GAP} {SIDE_HEIGHT + LABEL_HEIGHT}"


def figure(marks=()) -> list[dict]:
    """The two sides of the outline for ``templates/cases/_bodymap_svg.html``: per side its offset, its name, its
    regions (with whether they are marked) and the numbered pins of ``marks`` (``ShownMark``s)."""
    by_region: dict[str, list[int]] = {}
    for mark in marks:
        by_region.setdefault(mark.region.code, []).append(mark.number)
    sides = []
    for i, side in enumerate((FRONT, BACK)):
        regions, pins = [], []
        for region in REGIONS.values():
            if region.side != side:
                continue
            numbers = by_region.get(region.code, [])
            regions.append({"region": region, "marked": bool(numbers)})
            cx, cy = region.centre
            for k, number in enumerate(numbers):  # several marks on one region: side by side
                pins.append({"x": cx + 9 * k - 4 * (len(numbers) - 1), "y": cy, "number": number})
        sides.append(
            {
                "side": side,
                "name": SIDES[side],
                "offset": i * (SIDE_WIDTH + SIDE_GAP),
                "label_x": SIDE_WIDTH // 2,
                "label_y": SIDE_HEIGHT + LABEL_HEIGHT - 4,
                "regions": regions,
                "pins": pins,
            }
        )
    return sides


# --- The form -------------------------------------------------------------------------------------------------------


class BodyMapWidget(forms.Widget):
    """Rows of marks (region, kind, size, colour, note) that work without JavaScript; with it
    (``static/js/bodymap.js``) the outline above them fills a row when a region is clicked, tapped or chosen with
    the keyboard."""

    template_name = "cases/_bodymap_widget.html"
    use_fieldset = True

    def _render(self, template_name, context, renderer=None):
        # The project's templates (the form renderer's engine looks only in Django's own).
        return render_to_string(template_name, context)

    def value_from_datadict(self, data, files, name):
        rows = []
        for i in range(MAX_MARKS):
            row = {f: data.get(f"{name}-{i}-{f}", "") for f in FIELDS}
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data, files, name):
        return False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        marks = [m for m in (value or []) if isinstance(m, dict) and not is_blank(m)]
        rows = []
        for i in range(MAX_MARKS):
            mark = marks[i] if i < len(marks) else {}
            rows.append(
                {
                    "index": i,
                    "number": i + 1,
                    "prefix": f"{name}-{i}",
                    "id": f"{context['widget']['attrs'].get('id', 'id_' + name)}-{i}",
                    "values": {f: str(mark.get(f) or "") for f in FIELDS},
                    "blank": not mark,
                    # Without JavaScript: the first FORM_ROWS rows, and every row that holds a mark.
                    "shown": i < max(FORM_ROWS, len(marks)),
                }
            )
        shown = shown_marks(marks)
        context["widget"].update(
            {
                "rows": rows,
                "regions": region_choices(),
                "kinds": [(k, str(v)) for k, v in KINDS.items()],
                "colours": [(k, str(v)) for k, v in COLOURS.items()],
                "sides": figure(shown),
                "viewbox": VIEWBOX,
                "max_size": MAX_SIZE,
                "max_note": MAX_NOTE,
                "open": bool(marks),
            }
        )
        return context


class BodyMapField(forms.Field):
    widget = BodyMapWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("body map"))
        kwargs.setdefault(
            "help_text",
            _(
                "Only for physical signals: where on the pupil's body you saw something, what it was, how large and "
                "which colour. Left and right are the child's own."
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        return clean_marks(value)

    def validate(self, value):
        pass  # every check is in ``clean_marks``

    def has_changed(self, initial, data):
        try:
            return clean_marks(data) != (initial or [])
        except ValidationError:
            return True
