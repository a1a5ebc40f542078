"""Security headers on every response (pages, API, static files, error pages) via Talisman.

The pages need no inline script or style, so the Content-Security-Policy allows only this
site's own files. Nothing may use the camera, microphone or location, except the pages that
scan QR codes in the browser (`camera_allowed`). HSTS is sent only on https; plain http is
never redirected (`make run` serves http on localhost). Cookies are not Talisman's business:
their flags stay as the app's configuration sets them.
"""

from __future__ import annotations

from flask import Flask

from points.extensions import talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Powerful features nobody here needs; browsing-topics is Talisman's own default.
_DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics")
PERMISSIONS_POLICY = {feature: "()" for feature in _DENIED}
CAMERA_POLICY = {**PERMISSIONS_POLICY, "camera": "(self)"}

# same-origin: links out of the site carry no Referer at all, so the secrets some addresses
# hold (check-in codes, calendar feed tokens) never leave it; within the site the full
# Referer still goes, which Flask-WTF's CSRF check on https requires.
REFERRER_POLICY = "same-origin"


def init_app(app: Flask) -> None:
    # Talisman is one object across apps (like the other extensions); these settings are
    # constants, so every app built in one process gets the same ones.
    talisman.init_app(
        app,
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        referrer_policy=REFERRER_POLICY,
        frame_options="DENY",
        x_content_type_options=True,
        # Leave the session cookie's flags to the app's configuration: Talisman would
        # otherwise force Secure, set HttpOnly and overwrite SameSite.
        session_cookie_secure=False,
        session_cookie_http_only=False,
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE"),
    )


def camera_allowed(view):
    """For a page whose own script opens the camera (the counter's QR scanning): this
    site may ask for the camera there. Put it right under the route decorator."""
    return talisman(permissions_policy=CAMERA_POLICY)(view)
