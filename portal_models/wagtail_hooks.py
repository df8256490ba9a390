from .admin import cases  # noqa: F401  (Cases menu, case roles snippet, role assignment)
