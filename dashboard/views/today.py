from django.shortcuts import render

from ..access import CLINICAL, staff_required
from ..selectors.today import SECTION_LIMIT, worklist_for


@staff_required(*CLINICAL)
def today(request):
    show_all = request.GET.get("all") == "1"
    work = worklist_for(request.user, limit=None if show_all else SECTION_LIMIT)
    context = {"nav": "today", "work": work, "show_all": show_all,
               "open_alert_count": work.new_alerts.total}  # the menu's badge: the same count, already read
    return render(request, "dashboard/today.html", context)
