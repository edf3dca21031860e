"""One account per e-mail address, case-insensitively (blank addresses excepted).

An expression index rather than a Meta constraint on User, whose model is kept as it is; the
registration service normalises addresses and relies on this index against races.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE UNIQUE INDEX accounts_user_email_ci ON accounts_user (LOWER(email)) "
                "WHERE email <> ''"
            ),
            reverse_sql="DROP INDEX accounts_user_email_ci",
        )
    ]
