from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.permissions import policy_registry
from wagtail.snippets.blocks import SnippetChooserBlock

from ..admin.current import current_admin_user


def collection_choices():
    """The collections a section may show: in the admin, those whose documents the staff user may choose (their
    tenants' content and product collections, never customers' files); every collection elsewhere."""
    collections = Collection.objects.filter(depth__gt=1)
    user = current_admin_user.get()
    if user is not None:
        policy = policy_registry.get_by_type(get_document_model())
        collections = collections.filter(
            pk__in=policy.collections_user_has_any_permission_for(user, ["choose", "change"]).values("pk")
        )
    return [("", "---------")] + [
        (str(c.pk), "— " * max(c.depth - 2, 0) + c.name) for c in collections.order_by("path")
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


def _pk(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def resolve_sections(stream) -> list[dict]:
    """The library's section values as the selector takes them: title, intro, product_id, collection_id.

    Reads the stored values rather than converting the blocks, so that serving a library costs no query
    here (converting the collection field would load every collection of the site for its choices).
    """
    return [
        {
            "title": value.get("title") or "",
            "intro": value.get("intro") or "",
            "product_id": _pk(value.get("product")),
            "collection_id": _pk(value.get("collection")),
        }
        for value in (item["value"] for item in stream.raw_data if item.get("type") == "section")
    ]
