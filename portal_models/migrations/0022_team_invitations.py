import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal_models", "0021_payment_receipt_sent_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="securityevent",
            name="event",
            field=models.CharField(
                choices=[
                    ("sign_in", "Signed in"),
                    ("sign_in_failed", "Sign-in failed"),
                    ("locked_out", "Locked out after failed sign-ins"),
                    ("sign_out", "Signed out"),
                    ("two_factor_added", "Two-factor device added"),
                    ("two_factor_removed", "Two-factor device removed"),
                    ("password_changed", "Password changed"),
                    ("password_reset_requested", "Password reset requested"),
                    ("password_reset", "Password set from a one-time link"),
                    ("login_granted", "Login rights granted (invitation sent)"),
                    ("login_revoked", "Login rights revoked"),
                    ("right_changed", "Portal right changed"),
                    ("invitation_sent", "Invitation to join a company sent"),
                    ("invitation_accepted", "Invitation to join a company accepted"),
                    ("invitation_declined", "Invitation to join a company declined"),
                    ("payment_recorded", "Payment recorded"),
                    ("refund_recorded", "Refund recorded"),
                    ("payment_mismatch", "Payment event refused (does not match what was asked)"),
                ],
                db_index=True,
                max_length=40,
                verbose_name="event",
            ),
        ),
        migrations.CreateModel(
            name="ContactInvitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("accepted_at", models.DateTimeField(blank=True, null=True)),
                ("declined_at", models.DateTimeField(blank=True, null=True)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invitations",
                        to="portal_models.contact",
                    ),
                ),
                (
                    "invited_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="company_invitations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("accepted_at__isnull", True), ("declined_at__isnull", True)),
                        fields=("contact", "user"),
                        name="one_open_invitation_per_contact_and_user",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AccountChoice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("chosen_at", models.DateTimeField(auto_now=True)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portal_models.account"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portal_models.tenant"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="account_choices",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "tenant"), name="one_account_choice_per_user_tenant")
                ]
            },
        ),
    ]
