"""Build the chain of every existing case (issue 21): its records in the order they were recorded. The kinds of
record chained when this migration was written, with how each belongs to its case (``chain_via``), are frozen here;
the historical models are used, so the migration works whatever the models become later."""

from django.db import migrations

CHAINED = [
    ("cases", "accessrequest", "case"),
    ("cases", "accessrequesthandled", "case"),
    ("cases", "boardnotification", "case"),
    ("cases", "closure", "case"),
    ("cases", "consultation", "case"),
    ("cases", "consultationaction", "consultation"),
    ("cases", "conversationacknowledgement", "case"),
    ("cases", "conversationsignal", "conversation"),
    ("cases", "emergencyproposal", "case"),
    ("cases", "flagassessment", "case"),
    ("cases", "helpevaluation", "case"),
    ("cases", "helpplan", "case"),
    ("cases", "helptask", "plan"),
    ("cases", "inspectorconsultation", "case"),
    ("cases", "kindcheck", "case"),
    ("cases", "legalhold", "case"),
    ("cases", "monitoringagreement", "case"),
    ("cases", "monitoringcheckin", "case"),
    ("cases", "parentconversation", "case"),
    ("cases", "parenttalkskip", "case"),
    ("cases", "parenttalkskipconfirmation", "skip"),
    ("cases", "parentview", "case"),
    ("cases", "policedecision", "case"),
    ("cases", "riskassessment", "case"),
    ("cases", "signal", "case"),
    ("cases", "signalfollowup", "case"),
    ("cases", "taskdone", "case"),
    ("cases", "transition", "case"),
    ("cases", "veiligthuisoutcome", "case"),
    ("cases", "veiligthuisreport", "case"),
    ("cases", "weighinganswer", "case"),
    ("dossier", "extractrelease", "case"),
    ("dossier", "redaction", "case"),
]


def build_chains(apps, schema_editor):
    from cases.chain import build_missing

    specs = [(apps.get_model(app, model), via) for app, model, via in CHAINED]
    build_missing(
        specs=specs,
        link_model=apps.get_model("cases", "ChainLink"),
        case_model=apps.get_model("cases", "Case"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_chainlink"),
        ("dossier", "0005_chain_heads"),
    ]

    operations = [migrations.RunPython(build_chains, migrations.RunPython.noop, elidable=True)]
