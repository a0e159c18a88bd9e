from django.shortcuts import render

from ..access import CLINICAL, staff_required
from ..selectors.today import worklist_for


@staff_required(*CLINICAL)
def today(request):
    return render(request, "dashboard/today.html", {"nav": "today", "work": worklist_for(request.user)})
