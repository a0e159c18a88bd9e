import time

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, resolve_url

from ..access import home_for
from ..forms_auth import LockingLoginForm
from ..middleware import SESSION_KEY


class LoginView(auth_views.LoginView):
    form_class = LockingLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SESSION_KEY] = time.time()  # the idle clock starts at sign-in
        return response

    def get_default_redirect_url(self):
        return resolve_url(home_for(self.request.user))


class LogoutView(auth_views.LogoutView):
    next_page = "dashboard:login"


def help_page(request):
    from django.shortcuts import render

    if not request.user.is_authenticated:
        return redirect("dashboard:login")
    return render(request, "dashboard/help.html", {"nav": "help"})
