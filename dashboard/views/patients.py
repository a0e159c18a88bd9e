from django.shortcuts import render

from ..access import CLINICAL, staff_required
from ..selectors.patients import FILTERS, MAX_PAGE_SIZE, PAGE_SIZE, patients_page
from ..selectors.today import clinic_today


def _per_page(value) -> int:
    try:
        return max(1, min(MAX_PAGE_SIZE, int(value)))
    except (TypeError, ValueError):
        return PAGE_SIZE


@staff_required(*CLINICAL)
def patient_list(request):
    q = request.GET.get("q", "")[:100]
    show = request.GET.get("show", "")
    show = show if show in FILTERS else ""
    today = clinic_today(request.user.clinic)
    page, rows = patients_page(request.user, q=q, show=show, page=request.GET.get("page"),
                               per_page=_per_page(request.GET.get("per_page")), today=today)
    context = {"nav": "patients", "page": page, "rows": rows, "q": q, "show": show, "filters": FILTERS, "today": today}
    template = "dashboard/partials/patient_table.html" if request.headers.get("HX-Request") else "dashboard/patients.html"
    return render(request, template, context)
