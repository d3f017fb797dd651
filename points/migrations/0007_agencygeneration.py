import uuid

from django.db import migrations, models


def first_generation(apps, schema_editor):
    apps.get_model("points", "AgencyGeneration").objects.create(id=1, value=uuid.uuid4().hex)


class Migration(migrations.Migration):

    dependencies = [
        ("points", "0006_citizen_history_and_withdrawal_guard"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgencyGeneration",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_generation, migrations.RunPython.noop),
    ]
