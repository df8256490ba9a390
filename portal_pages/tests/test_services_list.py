"""The services list: filters by type and status (django-filter) and CSV / XLSX export of what is shown (seed 000)."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from portal_models.tests.factories import AccountFactory, ProductFactory, ServiceFactory

TODAY = datetime.date.today()


@pytest.fixture
def services(customer_a, portal_a):
    tenant = portal_a.tenant

    def make(name, **fields):
        return ServiceFactory(account=customer_a.account, product=ProductFactory(tenant=tenant, name=name), **fields)

    return {
        "active": make("Active Annual", start_date=TODAY.replace(year=TODAY.year - 1), end_date=None),
        "ended": make(
            "Ended Monthly",
            service_type="monthly",
            start_date=datetime.date(2020, 1, 1),
            end_date=datetime.date(2021, 1, 1),
        ),
        "upcoming": make(
            "=Upcoming Quarterly",
            service_type="quarterly",
            start_date=TODAY + datetime.timedelta(days=30),
            end_date=None,
        ),
        "stranger": ServiceFactory(
            account=AccountFactory(tenant=tenant), product=ProductFactory(tenant=tenant, name="Stranger's")
        ),
    }


def names(response) -> set[str]:
    html = response.content.decode()
    return {n for n in ("Active Annual", "Ended Monthly", "Upcoming Quarterly", "Stranger") if n in html}


@pytest.mark.django_db
class TestServiceList:
    def test_filters_by_type_and_status(self, signed_in_client, services):
        everything = signed_in_client.get("/acme/services/")
        assert everything.status_code == 200
        assert names(everything) == {"Active Annual", "Ended Monthly", "Upcoming Quarterly"}
        assert names(signed_in_client.get("/acme/services/?service_type=monthly")) == {"Ended Monthly"}
        assert names(signed_in_client.get("/acme/services/?status=active")) == {"Active Annual"}
        assert names(signed_in_client.get("/acme/services/?status=upcoming")) == {"Upcoming Quarterly"}
        assert names(signed_in_client.get("/acme/services/?status=ended&service_type=annual")) == set()

    def test_an_unknown_filter_value_is_explained_and_ignored(self, signed_in_client, services):
        response = signed_in_client.get("/acme/services/?status=bogus")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Select a valid choice" in html and "Some filters were not understood" in html
        assert names(response) == {"Active Annual", "Ended Monthly", "Upcoming Quarterly"}

    def test_export_csv_follows_the_filters_and_is_formula_safe(self, signed_in_client, services):
        response = signed_in_client.get("/acme/services/export/")
        assert response["Content-Type"].startswith("text/csv")
        text = response.getvalue().decode()
        assert "'=Upcoming Quarterly" in text and "Active Annual" in text and "Stranger" not in text
        filtered = signed_in_client.get("/acme/services/export/?status=ended").getvalue().decode()
        assert "Ended Monthly" in filtered and "Active Annual" not in filtered

    def test_export_xlsx(self, signed_in_client, services):
        response = signed_in_client.get("/acme/services/export/?format=xlsx&service_type=annual")
        assert response["Content-Disposition"].endswith('.xlsx"')
        rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
        assert rows[0][0] == "Product" and [r[0] for r in rows[1:]] == ["Active Annual"]
        assert rows[1][4] == "Active"

    def test_the_export_needs_a_sign_in(self, client, services):
        response = client.get("/acme/services/export/")
        assert response.status_code == 302 and "/login/" in response["Location"]
