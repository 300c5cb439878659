from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("data/", views.data_export, name="data-export"),
    path("delete/", views.account_delete_view, name="account-delete"),
]
