"""POST /hl7/v2/oru: an ORU^R01 message as the body, an HL7 ACK as the answer (HTTP 200 whatever
MSA-1 says, as HL7 over HTTP does; 401/403 when the caller may not file results)."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from rest_framework.views import APIView

from clinics.permissions import IsClinicianOrNurse

from ..hl7.ack import Problem, build_ack
from ..limits import HL7_MAX_MESSAGE_BYTES
from ..services.hl7 import hl7_message_receive

ER7 = "x-application/hl7-v2+er7"


def _too_big() -> HttpResponse:
    reason = f"the message is over {HL7_MAX_MESSAGE_BYTES:,} bytes"
    return HttpResponse(build_ack(None, "AR", reason, [Problem("MSH", 1, 0, "207", reason)]), content_type=ER7)


class OruView(APIView):
    schema = None  # HL7 v2, not JSON: described in docs/hl7.md rather than the OpenAPI document
    permission_classes = [IsClinicianOrNurse]
    parser_classes = []  # the body is read as it is

    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > HL7_MAX_MESSAGE_BYTES:
            return _too_big()
        try:
            body = request.body
        except RequestDataTooBig:
            return _too_big()
        message = hl7_message_receive(clinic=request.user.clinic, actor=request.user, raw=body, channel="http")
        response = HttpResponse(message.ack, content_type=ER7)
        response["Cache-Control"] = "no-store"
        return response
