"""PDF rendering with WeasyPrint. Templates are self-contained: inline CSS, images as data URIs.

WeasyPrint (with Pango, fontTools and pydyf) costs a process about 40 MB, and a web worker rarely renders: PDFs
are rendered by the task worker when an invoice is issued or changes, and stored. So it is imported on the first
render, not when the views are.
"""

import base64

from django.template.loader import render_to_string


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


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML, URLFetcher

    html = render_to_string(template, context, request=request)
    # never let a document make WeasyPrint fetch a URL (no SSRF, no file reads): only inline data URIs
    fetcher = URLFetcher(allowed_protocols=("data",), timeout=2)
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
