from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person who signs in: a customer contact, a staff member, or both. Email is the login."""

    class Theme(models.TextChoices):
        AUTO = "auto", _("Same as the device")  # until the user chooses: the system's light or dark preference
        LIGHT = "light", _("Light")
        DARK = "dark", _("Dark")

    username = None
    email = models.EmailField(_("email address"), unique=True)
    must_change_password = models.BooleanField(
        default=False, help_text=_("The user has a temporary password and must choose a new one at next sign-in.")
    )
    language = models.CharField(_("preferred language"), max_length=10, blank=True)
    theme = models.CharField(_("theme"), max_length=10, choices=Theme.choices, default=Theme.AUTO)
    phone = PhoneNumberField(
        _("mobile phone"), blank=True, help_text=_("In E.164; the number sign-in codes are texted to (two-factor).")
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email
