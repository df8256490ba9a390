"""The dashboard takes no input: its widgets only show (see :mod:`.widgets`)."""
