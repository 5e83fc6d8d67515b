from django.urls import path

from schools import views

app_name = "schools"
urlpatterns = [
    path("scholen/<int:school_id>/sociale-kaart/", views.social_map, name="social-map"),
    path("scholen/<int:school_id>/sociale-kaart/nieuw/", views.social_map_entry, name="social-map-add"),
    path(
        "scholen/<int:school_id>/sociale-kaart/<int:entry_id>/wijzigen/",
        views.social_map_entry,
        name="social-map-edit",
    ),
]
