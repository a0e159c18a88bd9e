"""Answers that must not be kept by a browser or a proxy: staff use shared tablets."""


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page and API answer that does not set its own caching (static files
    are served before this, by WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
