from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class LinkBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=80)
    url = blocks.URLBlock(required=False)
    page = blocks.PageChooserBlock(required=False)

    class Meta:
        icon = "link"
        template = "theme/blocks/link.html"


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.RichTextBlock(features=["bold", "italic", "link"])

    class Meta:
        icon = "pick"
        template = "theme/blocks/callout.html"


class ContentStreamBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(form_classname="title", icon="title", template="theme/blocks/heading.html")
    paragraph = blocks.RichTextBlock(features=["h3", "bold", "italic", "link", "ol", "ul", "document-link"])
    callout = CalloutBlock()
    image = ImageChooserBlock(template="theme/blocks/image.html")
    links = blocks.ListBlock(LinkBlock(), icon="list-ul", template="theme/blocks/links.html")
