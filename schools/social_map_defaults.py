"""The national entries of the social map (domain.md §3), filled in by a data migration and by ``load_demo``.
Plain data (no models): migrations import it. GGD/school doctor, the local team and school social work are
organised locally: the social map page asks each school to fill them in (``schools.models.social_map.LOCAL_KINDS``).
"""

NATIONAL_ENTRIES = [
    {
        "kind": "emergency",
        "organisation": "Alarmnummer 112",
        "phone": "112",
        "website": "https://www.112.nl/",
        "notes": "Bij direct gevaar voor een kind of volwassene: eerst 112 bellen.",
    },
    {
        "kind": "veilig_thuis",
        "organisation": "Veilig Thuis",
        "phone": "0800-2000",
        "website": "https://www.veiligthuis.nl/",
        "notes": "Gratis, dag en nacht bereikbaar; u wordt doorverbonden met de Veilig Thuis-organisatie van de regio.",
    },
    {
        "kind": "inspector",
        "organisation": "Inspectie van het Onderwijs — vertrouwensinspecteurs",
        "phone": "0900-1113111",
        "website": "https://www.onderwijsinspectie.nl/",
        "notes": "Meldpunt vertrouwensinspecteurs (lokaal tarief), op werkdagen tijdens kantooruren.",
    },
    {
        "kind": "police",
        "organisation": "Politie (geen spoed)",
        "phone": "0900-8844",
        "website": "https://www.politie.nl/",
        "notes": "Voor aangifte en advies zonder spoed; bij spoed 112.",
    },
]


def fill_national_entries(model) -> int:
    """Create the national entries that do not exist yet (matched by kind and phone); return how many."""
    created = 0
    for data in NATIONAL_ENTRIES:
        _entry, made = model.objects.get_or_create(
            board=None, school=None, kind=data["kind"], phone=data["phone"], defaults=data
        )
        created += made
    return created
