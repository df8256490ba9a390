# Date formats of the portal in English (Django's date filter names: {{ d|date:"SHORT_DATE_FORMAT" }}).
DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y H:i"
SHORT_DATE_FORMAT = "m/d/Y"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
