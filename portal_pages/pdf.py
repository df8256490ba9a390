"""PDF rendering with WeasyPrint. Templates are self-contained: inline CSS, images as data URIs."""

import base64

from django.template.loader import render_to_string
from weasyprint import HTML, URLFetcher


def image_data_uri(image, spec: str = "max-360x140") -> str:
    """A Wagtail image as a PNG/JPEG data URI (storage-agnostic: no URL for WeasyPrint to fetch)."""
    if image is None:
        return ""
    try:
        rendition = image.get_rendition(spec)
        with rendition.file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return ""
    mime = "image/png" if rendition.file.name.lower().endswith(".png") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _data_only_fetcher() -> URLFetcher:
    """Never let a document make WeasyPrint fetch a URL (no SSRF, no file reads): only inline data URIs."""
    return URLFetcher(allowed_protocols=("data",), timeout=2)


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=None, url_fetcher=_data_only_fetcher()).write_pdf()
