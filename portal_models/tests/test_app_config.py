"""The app's own config runs: its ready() connects the cache invalidation and the record signals.

Django picks an app's config from its apps.py only when that module holds one AppConfig (or one marked default);
a second class there (imported or defined) silently falls back to a bare AppConfig, and then no cache is ever
invalidated. This guards that."""

from django.apps import apps
from django.db.models.signals import post_save

from portal_models.apps import PortalModelsConfig
from portal_models.caching import bump_routing
from portal_pages.models import PortalHomePage


def test_portal_models_runs_its_own_config():
    assert type(apps.get_app_config("portal_models")) is PortalModelsConfig


def test_a_portal_page_save_bumps_the_routing_version():
    sync_receivers, _async_receivers = post_save._live_receivers(PortalHomePage)
    assert bump_routing in sync_receivers
