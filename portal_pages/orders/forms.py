"""Forms of the ordering screens (input parsing only; writes go through portal_models.services.orders)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal_models.services.orders import MAX_QUANTITY

COMPANY_ADDRESS = ""


class QuantitiesForm(forms.Form):
    """The Order Pad's grid: one optional quantity field per product shown (``qty_<product id>``)."""

    def __init__(self, *args, products=(), initial_quantities=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_quantities = initial_quantities or {}
        self.products = list(products)
        for product in self.products:
            self.fields[f"qty_{product.pk}"] = forms.DecimalField(
                label=_("Quantity of %(product)s") % {"product": product.name},
                required=False,
                min_value=0,
                max_value=MAX_QUANTITY,
                decimal_places=2,
                initial=initial_quantities.get(str(product.pk)),
                widget=forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal", "class": "qty"}),
            )

    def rows(self):
        return [(product, self[f"qty_{product.pk}"]) for product in self.products]

    def quantities(self) -> dict[str, str]:
        """Product id → quantity typed (empty or 0: removed from the pad)."""
        return {
            name.removeprefix("qty_"): ("" if value is None else str(value.normalize()))
            for name, value in self.cleaned_data.items()
        }


class CheckoutForm(forms.Form):
    po_number = forms.CharField(label=_("PO number"), max_length=60, required=False)
    requested_date = forms.DateField(
        label=_("Requested date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ship_to = forms.ChoiceField(label=_("Ship to"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, branches=(), company_label="", company=True, **kwargs):
        """``company``: the company address may be chosen (not for a contact limited to branches)."""
        super().__init__(*args, **kwargs)
        self.branches = {str(b.pk): b for b in branches}
        choices = [(COMPANY_ADDRESS, company_label or _("Company address"))] if company else []
        choices += [(pk, str(b)) for pk, b in self.branches.items()]
        if not company:
            self.fields["ship_to"].required = True
        self.fields["ship_to"].choices = choices
        if not self.branches:
            self.fields["ship_to"].widget = forms.HiddenInput()

    def clean_requested_date(self):
        value = self.cleaned_data.get("requested_date")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The requested date cannot be in the past."))
        return value

    def branch(self):
        return self.branches.get(self.cleaned_data.get("ship_to") or "")


class QuoteRequestForm(forms.Form):
    """A request for quote: up to LINES lines, each a catalogue product or a free-text description, and a quantity."""

    LINES = 8
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = {str(p.pk): p for p in products}
        choices = [("", _("— free text —"))] + [(pk, f"{p.sku} {p.name}".strip()) for pk, p in self.products.items()]
        for i in range(self.LINES):
            self.fields[f"product_{i}"] = forms.ChoiceField(label=_("Product"), choices=choices, required=False)
            self.fields[f"description_{i}"] = forms.CharField(label=_("Description"), max_length=255, required=False)
            self.fields[f"quantity_{i}"] = forms.DecimalField(
                label=_("Quantity"), required=False, min_value=0, max_value=MAX_QUANTITY, decimal_places=2
            )

    def line_rows(self):
        return [(self[f"product_{i}"], self[f"description_{i}"], self[f"quantity_{i}"]) for i in range(self.LINES)]

    def clean(self):
        data = super().clean()
        for i in range(self.LINES):
            described = data.get(f"product_{i}") or (data.get(f"description_{i}") or "").strip()
            quantity = data.get(f"quantity_{i}")
            if described and not quantity:
                self.add_error(f"quantity_{i}", _("Enter a quantity."))
            elif quantity and not described:
                self.add_error(f"description_{i}", _("Choose a product or describe what you need."))
        return data

    def lines(self) -> list[dict]:
        rows = []
        for i in range(self.LINES):
            product = self.products.get(self.cleaned_data.get(f"product_{i}") or "")
            description = (self.cleaned_data.get(f"description_{i}") or "").strip()
            quantity = self.cleaned_data.get(f"quantity_{i}")
            if quantity:
                rows.append({"product": product, "description": description, "quantity": quantity})
        return rows


class QuoteAcceptForm(forms.Form):
    po_number = forms.CharField(label=_("PO number"), max_length=60, required=False)


class QuoteDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you decline this quote?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
