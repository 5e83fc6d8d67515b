"""The annual figures: counts only, no case content."""

from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("jaarcijfers/", views.figures_index, name="figures"),
    path("jaarcijfers/school/<int:school_id>/", views.figures_school, name="figures-school"),
    path("jaarcijfers/school/<int:school_id>/csv/", views.figures_school_csv, name="figures-school-csv"),
    path("jaarcijfers/bestuur/<int:board_id>/", views.figures_board, name="figures-board"),
    path("jaarcijfers/bestuur/<int:board_id>/csv/", views.figures_board_csv, name="figures-board-csv"),
]
