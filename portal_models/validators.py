"""Password rules of the portal (seed 000), used through Django's AUTH_PASSWORD_VALIDATORS.

Each rule is its own validator so that the rules listed next to a password field
(Django's ``password_validators_help_texts``) read one line per rule.
"""

import re

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SPECIAL = re.compile(r"[^A-Za-z0-9]")


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's length check, with the rule worded like the other rules in the list."""

    def get_help_text(self):
        return _("At least %(min_length)d characters") % {"min_length": self.min_length}


class SpecialCharacterValidator:
    def validate(self, password, user=None):
        if not SPECIAL.search(password or ""):
            raise ValidationError(
                _("Your password must contain at least one special character, e.g. ! @ # ?"),
                code="password_no_special",
            )

    def get_help_text(self):
        return _("At least one special character, e.g. ! @ # ?")


class UpperAndLowerCaseValidator:
    def validate(self, password, user=None):
        password = password or ""
        if not (re.search(r"[a-z]", password) and re.search(r"[A-Z]", password)):
            raise ValidationError(
                _("Your password must contain both upper-case and lower-case letters."), code="password_case"
            )

    def get_help_text(self):
        return _("Upper-case and lower-case letters")


class LettersAndDigitsValidator:
    def validate(self, password, user=None):
        password = password or ""
        if not (re.search(r"[A-Za-z]", password) and re.search(r"[0-9]", password)):
            raise ValidationError(
                _("Your password must contain both letters and numbers."), code="password_letters_digits"
            )

    def get_help_text(self):
        return _("Letters and numbers")
