"""Error pages for people, JSON errors for the API; a server error never shows its insides."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    401: ("Sign-in needed", "Please sign in to continue."),
    403: ("Not allowed", "You are not allowed to do that."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That page cannot be used this way."),
    413: ("Too large", "That is larger than your plan allows."),
    500: ("Something went wrong", "GAS could not finish that request. It has been logged; please try again."),
}


def install(app: Flask) -> None:
    def answer(status: int, detail: str | None = None):  # type: ignore[no-untyped-def]
        title, text = MESSAGES.get(status, (f"Error {status}", "The request could not be completed."))
        if request.path.startswith("/api/"):
            return jsonify({"error": detail or text}), status
        return render_template("error.html", status=status, title=title, text=detail or text), status

    @app.errorhandler(CSRFError)
    def csrf(e: CSRFError):  # type: ignore[no-untyped-def]
        return answer(400, "This form has expired or did not come from GAS. Please reload the page and retry.")

    @app.errorhandler(HTTPException)
    def http(e: HTTPException):  # type: ignore[no-untyped-def]
        return answer(e.code or 500)

    @app.errorhandler(Exception)
    def crash(e: Exception):  # type: ignore[no-untyped-def]
        if isinstance(e, HTTPException):
            return http(e)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return answer(InternalServerError.code)
