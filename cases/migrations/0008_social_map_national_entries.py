from django.db import migrations


def fill(apps, schema_editor):
    from cases.social_map_defaults import fill_national_entries

    fill_national_entries(apps.get_model("cases", "SocialMapEntry"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_social_map_retention_access_requests"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
