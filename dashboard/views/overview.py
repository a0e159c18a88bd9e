from django.shortcuts import render

from ..access import CLINICAL, staff_required
from ..selectors.overview import overview_for
from ..selectors.today import clinic_today


@staff_required(*CLINICAL)
def overview(request):
    context = overview_for(request.user, clinic_today(request.user.clinic))
    return render(request, "dashboard/overview.html", {"nav": "overview", **context})
