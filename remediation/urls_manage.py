from django.urls import path

from . import views_manage

app_name = "manage"
urlpatterns = [
    path("manage/tasks/", views_manage.task_list, name="task-list"),
    path("manage/tasks/new/", views_manage.task_create, name="task-create"),
    path("manage/tasks/bulk/", views_manage.task_bulk, name="task-bulk"),
    path("manage/tasks/<int:pk>/edit/", views_manage.task_edit, name="task-edit"),
    path("manage/tasks/<int:pk>/close/", views_manage.task_close, name="task-close"),
    path("manage/tasks/<int:pk>/reopen/", views_manage.task_reopen, name="task-reopen"),
]
