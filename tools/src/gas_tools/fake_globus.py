"""A small stand-in for Globus Auth, for the tests and the embedded stack (`python -m gas_tools.fake_globus`).

The unmodified globus-sdk reaches it through GLOBUS_SDK_SERVICE_URL_AUTH. It answers what the web app uses:
the authorization page (pick an identity), the code exchange (an RS256-signed id_token), introspection,
revocation, userinfo, the OpenID configuration and its JWKS. `GET /_fake/state` shows what was revoked,
so a test can check that sign-out revoked the tokens.
"""

from __future__ import annotations

import argparse
import secrets
import threading
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, redirect, render_template_string, request

IDENTITY_NAMESPACE = uuid.UUID("9b2b3f4e-0c55-4a57-8d5e-6f0a1c3d2b71")
SCOPES = "openid profile email"
TOKEN_SECONDS = 172800  # Globus Auth's access tokens last 48 hours

AUTHORIZE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Globus Auth (fake)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 3rem auto">
<h1>Globus Auth <small>(test stand-in)</small></h1>
<p>Sign in to <b>{{ client_id }}</b> as:</p>
<form method="post">
  {% for k, v in params.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
  <p><label>Username <input name="username" value="alice@example.org" required></label></p>
  <p><label>Name <input name="name" value="Alice Example" required></label></p>
  <p><label>Institution <input name="organization" value="Example University"></label></p>
  <p><button type="submit" id="allow">Allow</button></p>
</form></body></html>"""


def identity_id(username: str) -> str:
    return str(uuid.uuid5(IDENTITY_NAMESPACE, username.lower()))


class Authority:
    """Codes, tokens and the signing key, held in memory."""

    def __init__(self, clients: dict[str, str]):
        self.clients = clients
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.revoked: list[str] = []
        self.introspections = 0  # how many introspection calls were made (tests count what a request costs)
        self.lock = threading.Lock()

    def client(self) -> str:
        """The client id of a request authenticated with HTTP Basic, or 401."""
        auth = request.authorization
        if not auth or self.clients.get(auth.username or "") != auth.password:
            abort(401)
        return str(auth.username)

    def jwk(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


def create_app(clients: dict[str, str]) -> Flask:
    app = Flask(__name__)
    auth = Authority(clients)
    app.extensions["fake_globus"] = auth

    def issuer() -> str:
        return request.host_url.rstrip("/")

    @app.get("/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        base = issuer()
        return jsonify({
            "issuer": base, "authorization_endpoint": f"{base}/v2/oauth2/authorize",
            "token_endpoint": f"{base}/v2/oauth2/token", "userinfo_endpoint": f"{base}/v2/oauth2/userinfo",
            "revocation_endpoint": f"{base}/v2/oauth2/token/revoke", "jwks_uri": f"{base}/jwk.json",
            "id_token_signing_alg_values_supported": ["RS256"], "scopes_supported": SCOPES.split(),
        })

    @app.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    @app.get("/jwk.json")
    def jwks() -> Response:
        return jsonify({"keys": [auth.jwk()]})

    @app.route("/v2/oauth2/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        params = {k: request.values.get(k, "") for k in ("client_id", "redirect_uri", "scope", "state",
                                                           "response_type", "access_type")}
        if params["client_id"] not in auth.clients or params["response_type"] != "code":
            abort(400)
        if request.method == "GET":
            return render_template_string(AUTHORIZE_PAGE, params=params, client_id=params["client_id"])
        username = request.form["username"].strip()
        code = secrets.token_urlsafe(24)
        with auth.lock:
            auth.codes[code] = {"client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
                                "username": username, "name": request.form.get("name", username),
                                "organization": request.form.get("organization", ""), "at": time.time(),
                                "offline": params["access_type"] == "offline"}  # as Globus: refresh tokens only then
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return redirect(f"{params['redirect_uri']}{sep}code={code}&state={params['state']}")

    @app.post("/v2/oauth2/token")
    def token() -> Response:
        client_id = auth.client()
        if request.form.get("grant_type") != "authorization_code":
            return _error("unsupported_grant_type")
        with auth.lock:
            grant = auth.codes.pop(request.form.get("code", ""), None)
        if (not grant or grant["client_id"] != client_id or grant["redirect_uri"] != request.form.get(
                "redirect_uri") or time.time() - grant["at"] > 600):
            return _error("invalid_grant")
        sub, now = identity_id(grant["username"]), int(time.time())
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with auth.lock:
            auth.tokens[access] = {"sub": sub, "client_id": client_id, "exp": now + TOKEN_SECONDS,
                                   "username": grant["username"], "name": grant["name"],
                                   "email": grant["username"], "organization": grant["organization"]}
            if grant["offline"]:
                auth.tokens[refresh] = {**auth.tokens[access], "refresh": True}
        id_token = jwt.encode({
            "iss": issuer(), "sub": sub, "aud": client_id, "iat": now, "exp": now + TOKEN_SECONDS,
            "preferred_username": grant["username"], "name": grant["name"], "email": grant["username"],
            "organization": grant["organization"], "identity_provider_display_name": "Fake IdP",
        }, auth.key, algorithm="RS256", headers={"kid": auth.kid})
        return jsonify({
            "access_token": access, "id_token": id_token, "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS, "scope": SCOPES, "resource_server": "auth.globus.org",
            "state": request.form.get("state", "_default"), "other_tokens": [],
            **({"refresh_token": refresh} if grant["offline"] else {}),
        })

    @app.post("/v2/oauth2/token/introspect")
    def introspect() -> Response:
        auth.client()
        with auth.lock:
            auth.introspections += 1
        found = auth.tokens.get(request.form.get("token", ""))
        if not found or found.get("refresh") or found["exp"] < time.time():
            return jsonify({"active": False})
        return jsonify({"active": True, "scope": SCOPES, "token_type": "Bearer", "aud": [found["client_id"]],
                        "identity_set": [found["sub"]], **{k: found[k] for k in
                                                           ("sub", "client_id", "exp", "username", "name",
                                                            "email")}})

    @app.post("/v2/oauth2/token/revoke")
    def revoke() -> Response:
        auth.client()
        token_text = request.form.get("token", "")
        with auth.lock:
            if auth.tokens.pop(token_text, None) is not None:
                auth.revoked.append(token_text)
        return jsonify({"active": False})

    @app.get("/v2/oauth2/userinfo")
    def userinfo() -> Response:
        header = request.headers.get("Authorization", "")
        found = auth.tokens.get(header.removeprefix("Bearer "))
        if not found:
            abort(401)
        return jsonify({"sub": found["sub"], "name": found["name"], "email": found["email"],
                        "preferred_username": found["username"], "organization": found["organization"]})

    @app.get("/_fake/state")
    def state() -> Response:
        return jsonify({"revoked": len(auth.revoked), "live_tokens": len(auth.tokens),
                        "introspections": auth.introspections})

    return app


def _error(code: str) -> Response:
    answer = jsonify({"error": code})
    answer.status_code = 400
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--client", action="append", default=[], metavar="ID:SECRET",
                        help="a confidential client it accepts (repeatable)")
    args = parser.parse_args()
    clients = dict(c.split(":", 1) for c in args.client)
    if not clients:
        parser.error("give at least one --client ID:SECRET")
    create_app(clients).run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
