"""gunicorn's logger for `site/config/gunicorn.py` (``logger_class``)."""

from gunicorn import glogging

from portal_models.observability import redact_path


class Logger(glogging.Logger):
    """gunicorn's logger, writing its access log only when GUNICORN_ACCESSLOG is set.

    Giving gunicorn's messages the JSON format (``logconfig_dict``) also turns its access log on, a second line per
    request beside the application's own (portal_models.observability), at a cost comparable to a small page.
    """

    def access(self, resp, req, environ, request_time):
        if self.cfg.accesslog:
            super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        """The access log's fields, without the one-time tokens of set-password links (request line, path, query)."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "q", "f"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_path(atoms[name])
        return atoms
