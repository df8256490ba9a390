"""The customer screens of a portal, feature by feature, in the order they are matched; mounted by
``PortalHomePage.get_subpage_urls()``. Each feature package holds its ``views.py``, ``forms.py`` and ``urls.py``."""

from .account.urls import urlpatterns as account
from .billing.urls import urlpatterns as billing
from .cases.urls import urlpatterns as cases
from .dashboard.urls import urlpatterns as dashboard
from .documents.urls import urlpatterns as documents
from .identity.urls import urlpatterns as identity
from .orders.urls import urlpatterns as orders
from .payments.urls import urlpatterns as payments
from .tickets.urls import urlpatterns as tickets

urlpatterns = [*dashboard, *account, *identity, *billing, *payments, *orders, *tickets, *cases, *documents]
