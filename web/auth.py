"""Accounts: register, log in, log out, and the account page (password, API tokens, calibrations)."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from pipeline.osthread import offload
from store import StoreError

from .database import service
from .forms import ConfirmForm, LoginForm, PasswordForm, RegisterForm, TokenForm
from .identity import Account, current_account
from .limits import limiter

bp = Blueprint("auth", __name__)
STATUS = {"duplicate": 409, "bad_login": 401, "not_found": 404, "store_unavailable": 503, "too_many": 409}


def _login_limit() -> str:
    return current_app.config["GAZECAST"].login_limit


def _next_url() -> str:
    """Return where to go after logging in: a path on this site only."""
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("recordings.index")


def _errors(form) -> str:
    return "; ".join(f"{getattr(form, name).label.text}: {' '.join(msgs)}" for name, msgs in form.errors.items())


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    """Create an account and log in."""
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_template("auth/register.html", form=form, error=_errors(form)), 400 if form.errors else 200
    try:
        identity = offload(service("accounts").register, form.username.data, form.password.data)
    except StoreError as exc:
        return render_template("auth/register.html", form=form, error=str(exc)), STATUS.get(exc.code, 400)
    login_user(Account.of(identity))
    return redirect(_next_url())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with a username and password."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, error=_errors(form)), 400 if form.errors else 200
    try:
        identity = offload(service("accounts").authenticate, form.username.data, form.password.data)
    except StoreError as exc:
        return render_template("auth/login.html", form=form, error=str(exc)), STATUS.get(exc.code, 400)
    login_user(Account.of(identity))
    return redirect(_next_url())


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Log out (a POST with the CSRF token; a GET asks to confirm)."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        return redirect(url_for("pages.viewer"))
    return render_template("auth/logout.html", form=form)


@bp.get("/account")
@login_required
def account(new_token: str | None = None, error: str | None = None, status: int = 200):
    """Show the account: password change, API tokens, calibration history."""
    me = current_account()
    tokens = offload(service("accounts").tokens, me.id)
    calibrations = offload(service("calibrations").history, me.id)
    return render_template("auth/account.html", password_form=PasswordForm(), token_form=TokenForm(),
                           confirm=ConfirmForm(), tokens=tokens, calibrations=calibrations,
                           new_token=new_token, error=error), status


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; every other session of the account ends."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return account(error=_errors(form), status=400)
    try:
        identity = offload(service("accounts").change_password, current_account().id, form.password.data,
                           form.new_password.data)
    except StoreError as exc:
        return account(error=str(exc), status=STATUS.get(exc.code, 400))
    login_user(Account.of(identity))  # this session follows the new password
    flash("Password changed. Other sessions of this account have ended.")
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create an API token and show its secret once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return account(error=_errors(form), status=400)
    try:
        _, secret = offload(service("accounts").issue_token, current_account().id, form.name.data)
    except StoreError as exc:
        return account(error=str(exc), status=STATUS.get(exc.code, 400))
    return account(new_token=secret)


@bp.post("/account/tokens/<token_id>/revoke")
@login_required
def revoke_token(token_id: str):
    """Revoke one of my API tokens."""
    if not ConfirmForm().validate_on_submit():
        return account(error="the form expired: try again", status=400)
    offload(service("accounts").revoke_token, current_account().id, token_id)
    flash("Token revoked.")
    return redirect(url_for("auth.account"))


@bp.post("/account/calibrations/<cal_id>/delete")
@login_required
def delete_calibration(cal_id: str):
    """Delete one of my saved calibrations."""
    if not ConfirmForm().validate_on_submit():
        return account(error="the form expired: try again", status=400)
    offload(service("calibrations").delete, current_account().id, cal_id)
    flash("Calibration deleted.")
    return redirect(url_for("auth.account"))


@bp.errorhandler(StoreError)
def _refused(exc: StoreError):
    """Another user's object is not found; a database that is away is unavailable."""
    return render_template("error.html", message=str(exc), code=exc.code), STATUS.get(exc.code, 400)
