from django.urls import path

from guide import views

app_name = "guide"

urlpatterns = [
    path("hulp/", views.index, name="index"),
    path("hulp/<slug:slug>/", views.page, name="page"),
]
