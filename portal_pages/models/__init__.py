"""The page types of a tenant's portal, one module each."""

from .content import ContentPage
from .home import BRAND_COLOUR_HELP, PortalHomePage, hex_colour, portal_home_of
from .library import DocumentLibraryPage
from .login import PortalLoginPage
from .registration import PortalRegistrationPage
from .root import PortalRootPage, portal_home_for_path

__all__ = [
    "BRAND_COLOUR_HELP",
    "ContentPage",
    "DocumentLibraryPage",
    "PortalHomePage",
    "PortalLoginPage",
    "PortalRegistrationPage",
    "PortalRootPage",
    "hex_colour",
    "portal_home_for_path",
    "portal_home_of",
]
