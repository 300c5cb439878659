from django.contrib import admin

from apps.core.models import IdempotencyRecord
from apps.ledger.admin import ReadOnlyAdmin

from .models import WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "job", "event", "url", "status", "attempts", "last_status_code", "delivered_at")
    list_filter = ("status", "event")
    search_fields = ("job__id", "url")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "key", "method", "path", "state", "status_code")
    search_fields = ("key", "user__username")
