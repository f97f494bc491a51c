from django.http import HttpRequest


class VietnameseByDefaultMiddleware:
    """Vietnamese unless the user picked English with the language switch.

    Government PCs often run English browsers; the Accept-Language header must
    not turn the interface English. Placed before LocaleMiddleware, which then
    falls back to LANGUAGE_CODE ("vi") or the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
