from django.http import HttpResponseBadRequest
from django.shortcuts import render

from ..access import CLINICAL, staff_required
from ..selectors.today import SECTION_LIMIT, worklist_for

#: Pieces of the page read again after a dose is recorded or an alert dealt with (htmx).
PARTS = {"summary": "dashboard/partials/today_summary.html", "badge": "dashboard/partials/nav_alert_count.html"}


@staff_required(*CLINICAL)
def today(request):
    part = request.GET.get("part")
    if part is not None:
        if part not in PARTS:
            return HttpResponseBadRequest("unknown part")
        if part == "badge":
            return render(request, PARTS[part])  # the count comes from the context processor
        work = worklist_for(request.user, limit=0, done=False)  # the counts only
        return render(request, PARTS[part], {"work": work, "open_alert_count": work.new_alerts.total})
    show_all = request.GET.get("all") == "1"
    work = worklist_for(request.user, limit=None if show_all else SECTION_LIMIT)
    context = {"nav": "today", "work": work, "show_all": show_all,
               "open_alert_count": work.new_alerts.total}  # the menu's badge: the same count, already read
    return render(request, "dashboard/today.html", context)
