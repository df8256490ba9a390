from wagtail import hooks

from .document_downloads import before_serve_document

hooks.register("before_serve_document", before_serve_document)
