"""Signal receivers that feed the security audit trail (connected in PortalModelsConfig.ready)."""

from django.apps import apps
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save

from portal_models.models import SecurityEventType, User
from portal_models.services.audit import security_event_record


def _signed_in(sender, request, user, **kwargs):
    security_event_record(event=SecurityEventType.SIGN_IN, request=request, user=user)


def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(event=SecurityEventType.SIGN_OUT, request=request, user=user)


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("username") or credentials.get("email") or ""
    security_event_record(
        event=SecurityEventType.SIGN_IN_FAILED, request=request, email=email, details={"reason": "bad_credentials"}
    )


def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event_record(event=SecurityEventType.LOCKED_OUT, request=request, email=username or "")


def _device_details(device) -> dict:
    return {"device": type(device).__name__, "name": device.name, "confirmed": bool(device.confirmed)}


def _device_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.user_id:
        security_event_record(
            event=SecurityEventType.TWO_FACTOR_ADDED, user=instance.user, details=_device_details(instance)
        )


def _device_deleted(sender, instance, **kwargs):
    user = User.objects.filter(pk=instance.user_id).first()
    if user is not None:
        security_event_record(event=SecurityEventType.TWO_FACTOR_REMOVED, user=user, details=_device_details(instance))


def connect() -> None:
    from django_otp.models import Device

    user_logged_in.connect(_signed_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="audit_locked_out")
    for model in apps.get_models():
        if issubclass(model, Device):
            post_save.connect(_device_saved, sender=model, dispatch_uid=f"audit_device_saved_{model._meta.label}")
            post_delete.connect(_device_deleted, sender=model, dispatch_uid=f"audit_device_deleted_{model._meta.label}")
