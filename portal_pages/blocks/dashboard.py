"""Blocks marketing composes a portal with: the dashboard's widgets and quick links, the navigation's tabs and
extra links (PortalHomePage.dashboard / .navigation). A widget block names a widget of the registry
(dashboard/widgets.py) and renders through it; a tab names a screen of the navigation (navigation.py)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from .content import LinkBlock


def _widget_choices():
    from ..dashboard.widgets import placeable_choices  # the registry imports the selectors, loaded after models

    return placeable_choices()


def _tab_choices():
    from ..navigation import tab_choices

    return tab_choices()


class WidgetBlock(blocks.StructBlock):
    widget = blocks.ChoiceBlock(choices=_widget_choices)
    title = blocks.CharBlock(required=False, max_length=80, help_text=_("Leave empty for the widget's own title."))
    rows = blocks.IntegerBlock(
        required=False, min_value=1, max_value=5, help_text=_("How many rows its lists show (at most 5).")
    )

    class Meta:
        icon = "table"
        label = _("Widget")


class QuickLinksBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=80)
    links = blocks.ListBlock(LinkBlock(), min_num=1)

    class Meta:
        icon = "link"
        label = _("Quick links")


class AnnouncementsBlock(blocks.StructBlock):
    """The tenant's announcements shown now to the signed-in user (Snippets › Announcements), newest first."""

    title = blocks.CharBlock(required=False, max_length=80, help_text=_("Leave empty for “Announcements”."))
    rows = blocks.IntegerBlock(
        required=False, min_value=1, max_value=5, label=_("How many"), help_text=_("At most 5; empty: 3.")
    )

    class Meta:
        icon = "info-circle"
        label = _("Announcements")


class DashboardStreamBlock(blocks.StreamBlock):
    widget = WidgetBlock()
    quick_links = QuickLinksBlock()
    announcements = AnnouncementsBlock()


class TabBlock(blocks.StructBlock):
    route = blocks.ChoiceBlock(choices=_tab_choices, label=_("Screen"))
    label = blocks.CharBlock(required=False, max_length=40, help_text=_("Leave empty for the usual name."))

    class Meta:
        icon = "list-ul"
        label = _("Tab")


class NavigationStreamBlock(blocks.StreamBlock):
    tab = TabBlock()
    link = LinkBlock(label=_("Extra link"))
