import unicodedata

from django.http import HttpRequest, QueryDict


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


class NormalizeTextMiddleware:
    """Every text that comes in through a form or a query string reaches the views in NFC.

    Some Mac and web tools send Vietnamese decomposed (NFD): "Sở" as "S" + "ơ" + a combining
    hook. Stored as sent, it would never equal the same word typed on another machine (a
    search finds nothing, a re-import duplicates). The imports and the API's text fields
    normalise on their own way in; this covers every form and filter in one place.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.GET = _nfc(request.GET)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            request.POST = _nfc(request.POST)
        return self.get_response(request)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nfc(data: QueryDict) -> QueryDict:
    """The same query in NFC; the very same object when it already is (the usual case: one scan)."""
    lists = list(data.lists())
    if all(
        unicodedata.is_normalized("NFC", k) and all(unicodedata.is_normalized("NFC", v) for v in vs) for k, vs in lists
    ):
        return data
    out = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in lists:
        out.setlist(unicodedata.normalize("NFC", key), [unicodedata.normalize("NFC", v) for v in values])
    out._mutable = False
    return out
