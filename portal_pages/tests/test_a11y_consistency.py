"""One look across the customer screens (a11y.customer_screens, so a new route is walked without a test change):

- One button hierarchy: every button is ``.btn`` with one of primary / secondary / danger / link (and the size
  modifiers); at most one primary per form and per screen section; destructive actions (delete, remove, revoke,
  cancel…) are danger, never primary.
- One required-field marker: every form field comes from the one partial (theme/forms/field.html); a required field
  is announced (``required`` / ``aria-required``) and has no marker, an optional one says "(optional)" in its label
  (sign-in, registration, billing, tickets, cases, orders, settings: every POST form of the screens).
- The dashboard leads with the amount due and Pay; the signed-in 404 is an empty state with the navigation."""

import re

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from portal_models.tests.localstripe import localstripe, localstripe_url  # noqa: F401

from . import a11y

pytestmark = pytest.mark.django_db

IMPORTANCE = {"btn--primary", "btn--secondary", "btn--danger", "btn--link"}
MODIFIERS = {"btn--small", "btn--lg", "btn--block", "btn--accent"}
DESTRUCTIVE = re.compile(
    r"\b(delete|remove|revoke|deactivate|empty the|turn autopay off|decline quote|disconnect)\b", re.IGNORECASE
)


class Pages(dict):
    def __repr__(self):
        return f"<{len(self)} pages>"


@pytest.fixture
def screens(portal_a, localstripe):  # noqa: F811
    data = a11y.build_tenant(portal_a)
    client = Client()
    client.force_login(data.contact.user)
    pages = Pages()
    pages.data = data
    for name, path in a11y.customer_screens(data):
        if name.endswith(("_export", "_pdf")):
            continue
        response = client.get(path, follow=True)
        if response["Content-Type"].startswith("text/html"):
            pages[name] = BeautifulSoup(response.content, "html.parser")
    assert len(pages) > 30
    return pages


def section_of(element):
    """The form, else the section / card, a button belongs to (else the page)."""
    for parent in element.parents:
        if parent.name == "form" or parent.name == "section" or "card" in (parent.get("class") or []):
            return parent
    return None


def button_problems(name, soup) -> list[str]:
    main = soup.find("main") or soup
    problems, primaries = [], {}
    for button in main.select(".btn"):
        classes = {c for c in button.get("class", []) if c.startswith("btn--")}
        label = " ".join(button.get_text(" ").split())[:40]
        unknown = classes - IMPORTANCE - MODIFIERS
        kinds = classes & IMPORTANCE
        if unknown:
            problems.append(f"{name}: {label!r} has unknown classes {sorted(unknown)}")
        if len(kinds) != 1:
            problems.append(f"{name}: {label!r} needs one of {sorted(IMPORTANCE)}, has {sorted(kinds)}")
        if "btn--accent" in classes and "btn--primary" not in classes:
            problems.append(f"{name}: {label!r} accent is a colour of primary")
        if DESTRUCTIVE.search(label) and "btn--danger" not in classes:
            problems.append(f"{name}: destructive {label!r} is not danger")
        if "btn--primary" in classes:
            primaries.setdefault(id(section_of(button)), []).append(label)
    together = [labels for labels in primaries.values() if len(labels) > 1]
    problems += [f"{name}: {len(labels)} primary buttons together {labels}" for labels in together]
    return problems


def test_one_button_hierarchy_on_every_customer_screen(screens):
    pages = screens
    problems = [p for name, soup in pages.items() for p in button_problems(name, soup)]
    assert not problems, f"{len(problems)}:\n" + "\n".join(problems)


OPTIONAL = "(optional)"
SKIPPED_INPUTS = {"hidden", "submit", "button", "checkbox", "radio", "reset", "image"}


def field_problems(name, soup) -> list[str]:
    """Each field of a POST form in <main>: from the one partial (div.field), labelled, and marked the one way —
    a required field has ``required`` and no marker, an optional one says "(optional)" in its label."""
    main = soup.find("main") or soup
    problems = []
    for form in main.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        for control in form.find_all(["input", "select", "textarea"]):
            if control.name == "input" and (control.get("type") or "text") in SKIPPED_INPUTS:
                continue
            if control.has_attr("hidden") or not control.get("id") or control.find_parent("table"):
                continue  # (a table's row inputs, like the order pad's quantities, are labelled by their row)
            ident = control.get("name")
            label = soup.find("label", attrs={"for": control["id"]})
            if control.find_parent("div", class_="field") is None:
                problems.append(f"{name}: {ident} is not from the form-field partial")
            if label is None:
                problems.append(f"{name}: {ident} has no label")
                continue
            text = " ".join(label.get_text(" ").split())
            required = control.has_attr("required") or control.get("aria-required") == "true"
            if required and OPTIONAL in text:
                problems.append(f"{name}: required {ident} says optional")
            if not required and OPTIONAL not in text:
                problems.append(f"{name}: optional {ident} ({text!r}) is not marked {OPTIONAL}")
    return problems


def test_one_required_field_convention_on_every_form(screens, portal_a):
    pages = screens
    anonymous = Client()
    data = pages.data
    for name, path in a11y.anonymous_screens(data):
        response = anonymous.get(path, follow=True)
        pages[f"{name} (signed out)"] = BeautifulSoup(response.content, "html.parser")
    problems = [p for name, soup in pages.items() for p in field_problems(name, soup)]
    assert not problems, f"{len(problems)}:\n" + "\n".join(problems)


def test_dashboard_leads_with_the_amount_due_and_pay(screens):
    html = str(screens["dashboard"].find("main"))
    pay, ticket = html.find('data-testid="pay-balance"'), html.find('data-testid="dashboard-open-ticket"')
    assert 0 < pay < ticket, "Pay balance comes before the secondary actions"
    assert html.find('data-testid="balance-due"') < html.find('class="card welcome"')


def test_signed_in_404_is_an_empty_state_with_the_navigation(screens):
    soup = screens["404 signed in"]
    state = soup.select_one("main .empty-state")
    assert state is not None and state.find("svg") is not None
    assert "?" not in state.get_text(), "no question-mark glyph"
    assert soup.select_one("nav.tabs, .tabs") is not None, "the portal's navigation stays"
    assert state.select_one('[data-testid="not-found-back"].btn--primary')["href"]
