"""The case role grid cell: a select that JavaScript turns into a button cycling allow → not granted → deny."""

from django import forms

from portal_models.models import Grant

CYCLE = [Grant.ALLOW, Grant.NONE, Grant.DENY]


class GrantCycleWidget(forms.Select):
    template_name = "portal_models/admin/grant_cycle_widget.html"

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[(g.value, g.label) for g in CYCLE])

    class Media:
        css = {"all": ["theme/admin/grant-grid.css"]}
        js = ["theme/admin/grant-grid.js"]
