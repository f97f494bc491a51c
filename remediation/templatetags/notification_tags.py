"""The unread-notification count for the navigation bar."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notification_count(context) -> int:
    """One indexed COUNT per request (index on recipient, read_at), cached on the request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return 0
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = user.notifications.filter(read_at__isnull=True).count()
    return request._unread_notifications
