from django.urls import path

from . import views_notifications as views

urlpatterns: list = [
    path("notifications/", views.notification_list, name="notifications-list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notifications-open"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("calendar/regenerate/", views.calendar_regenerate, name="calendar-regenerate"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]
