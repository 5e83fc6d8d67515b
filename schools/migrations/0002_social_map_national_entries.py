from django.db import migrations


def fill(apps, schema_editor):
    from schools.social_map_defaults import fill_national_entries

    fill_national_entries(apps.get_model("schools", "SocialMapEntry"))


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
