"""The blocks marketing composes a portal's sign-in page with: a headline, an image, help links and notices."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from .content import LinkBlock


class SignInHeadlineBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("headline"), max_length=200)
    intro = blocks.RichTextBlock(label=_("introduction"), required=False, features=["bold", "italic", "link"])

    class Meta:
        icon = "title"
        label = _("Headline")


class SignInImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    alt = blocks.CharBlock(
        label=_("alternative text"), required=False, max_length=200, help_text=_("Leave blank for a decorative image.")
    )

    class Meta:
        icon = "image"
        label = _("Image")


class SignInHelpLinksBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=80)
    links = blocks.ListBlock(LinkBlock(), label=_("links"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Help links")


class SignInNoticeBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        label=_("tone"), choices=[("info", _("Information")), ("warning", _("Warning"))], default="info"
    )
    title = blocks.CharBlock(label=_("title"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("Notice")


class SignInStreamBlock(blocks.StreamBlock):
    headline = SignInHeadlineBlock()
    image = SignInImageBlock()
    help_links = SignInHelpLinksBlock()
    notice = SignInNoticeBlock()

    class Meta:
        block_counts = {"headline": {"max_num": 1}, "image": {"max_num": 1}}
