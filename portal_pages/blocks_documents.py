from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.models import Collection
from wagtail.snippets.blocks import SnippetChooserBlock


def collection_choices():
    return [("", "---------")] + [
        (str(c.pk), "— " * max(c.depth - 2, 0) + c.name)
        for c in Collection.objects.filter(depth__gt=1).order_by("path")
    ]


class LibrarySectionBlock(blocks.StructBlock):
    """One curated section of a document library: the documents of a product, or of a collection (category)."""

    title = blocks.CharBlock(max_length=120)
    intro = blocks.TextBlock(required=False)
    product = SnippetChooserBlock("portal_models.Product", required=False)
    collection = blocks.ChoiceBlock(
        choices=collection_choices, required=False, help_text=_("Or a collection (category) of documents.")
    )

    class Meta:
        icon = "folder-open-inverse"
        label = _("Section")

    def clean(self, value):
        value = super().clean(value)
        if not value.get("product") and not value.get("collection"):
            raise blocks.StructBlockValidationError(
                block_errors={"product": ValidationError(_("Choose a product or a collection."))}
            )
        return value


def resolve_sections(stream) -> list[dict]:
    """StreamField section values with the collection pk resolved to a Collection."""
    ids = [int(b.value["collection"]) for b in stream if b.value.get("collection")]
    collections = Collection.objects.in_bulk(ids)
    result = []
    for block in stream:
        value = block.value
        cid = value.get("collection")
        result.append(
            {
                "title": value.get("title"),
                "intro": value.get("intro"),
                "product": value.get("product"),
                "collection": collections.get(int(cid)) if cid else None,
            }
        )
    return result
