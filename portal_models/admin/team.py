"""The admin's contact form changes portal rights through the one service owners use in the portal
(services.team.contact_set_right): each change audited and emailed, a granted login invited at once."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from wagtail_modeladmin.views import CreateView

from portal_models.services import invitations, team

from .scoping import ScopedEditView


class ContactRightsViewMixin:
    def form_valid(self, form):
        rights = [name for name, _label in invitations.contact_rights() if name in form.fields]
        changed = {right: bool(form.cleaned_data[right]) for right in rights if right in form.changed_data}
        for right in changed:  # saved as they were; the service makes each change
            setattr(form.instance, right, bool(form.initial.get(right, form.fields[right].initial)))
        branches = None
        if "branches" in form.fields and "branches" in form.changed_data:
            branches = list(form.cleaned_data.pop("branches"))  # not saved by the form: the service sets them
        response = super().form_valid(form)
        if branches is not None:
            try:
                team.contact_set_branches(contact=form.instance, branches=branches, by=self.request.user)
            except ValidationError as error:
                messages.error(self.request, " ".join(error.messages))
        for right, value in changed.items():
            try:
                team.contact_set_right(contact=form.instance, right=right, value=value, by=self.request.user)
            except ValidationError as error:
                messages.error(self.request, " ".join(error.messages))
        return response


class ContactCreateView(ContactRightsViewMixin, CreateView):
    pass


class ContactEditView(ContactRightsViewMixin, ScopedEditView):
    pass
