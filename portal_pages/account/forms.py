"""The user menu takes single fields (a company, a theme, a language), checked by its services, not forms."""
