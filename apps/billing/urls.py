from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("billing/checkout/package/<int:package_id>/", views.checkout_package, name="checkout-package"),
    path("billing/checkout/plan/<int:plan_id>/", views.checkout_plan, name="checkout-plan"),
    path("billing/checkout/done/", views.checkout_done, name="checkout-done"),
    path("billing/portal/", views.portal, name="portal"),
    path("billing/receipts/", views.receipts, name="receipts"),
    path("billing/receipts/<uuid:payment_id>/", views.receipt, name="receipt"),
    path("billing/usage.csv", views.usage_csv, name="usage-csv"),
]
