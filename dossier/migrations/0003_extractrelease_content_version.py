from django.db import migrations, models


class Migration(migrations.Migration):
    """The version of the content's wording each release's checksum is of: 1 for the extracts released so far (the
    staff's words), 2 from now on (plain Dutch for the parents)."""

    dependencies = [
        ("dossier", "0002_redaction_of_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="extractrelease",
            name="content_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="version of the content"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="extractrelease",
            name="content_version",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="version of the content"),
        ),
    ]
