"""Middleware of the web shell.

SecurityHeadersMiddleware: the Content-Security-Policy and Permissions-Policy of every response.

UploadSizeLimitMiddleware: refuse an upload that announces more bytes than UPLOAD_MAX_BYTES before
anything reads its body. The upload views check the size of the received file too, but by then
Django has spooled the whole body to disk (the CSRF check reads the form). This stops an oversized
request at its Content-Length header, so a large body is never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat

# Everything the pages use comes from this server: scripts only from static files (no inline script,
# no eval), styles only from the stylesheets (no style attributes either), images from here or
# data: URIs (the charts' and the API docs' icons), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# No page needs any of these browser features.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-get", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
))


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Room for the multipart envelope and the other form fields around the file.
ENVELOPE_BYTES = 1024 * 1024


class UploadSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.UPLOAD_MAX_BYTES + ENVELOPE_BYTES:
                message = (f"The upload is {filesizeformat(length)}; the limit is "
                           f"{filesizeformat(settings.UPLOAD_MAX_BYTES)} (UPLOAD_MAX_BYTES). "
                           "Import larger files with the command line: teamalign import KIND FILE --org SLUG.")
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": message, "errors": []}, status=413)  # the API's error shape
                return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
