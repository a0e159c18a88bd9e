"""API tokens over the API: a staff member rotates their own; a clinic administrator issues or revokes the
tokens of a member of their clinic (an integration account). A key is shown once, when issued."""

from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import User
from .permissions import IsClinicAdministrator, IsClinicStaff
from .tokens import api_token_issue, api_token_rotate, api_tokens_of, api_tokens_revoke


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only now.")
    expiry = serializers.DateTimeField()


class TokenSerializer(serializers.Serializer):
    prefix = serializers.CharField(source="token_key", help_text="The first characters of the key")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)


def _issued(token: AuthToken, key: str, code=status.HTTP_201_CREATED) -> Response:
    return Response({"token": key, "expiry": token.expiry}, status=code)


class OwnTokensView(APIView):
    """The caller's API tokens (never their keys)."""

    permission_classes = [IsClinicStaff]
    open_to_administrators = True

    @extend_schema(responses={200: TokenSerializer(many=True)})
    def get(self, request):
        return Response(TokenSerializer(api_tokens_of(request.user), many=True).data)


class RotateOwnTokenView(APIView):
    """A new key for the caller. Called with a token, that token stops working at once."""

    permission_classes = [IsClinicStaff]
    open_to_administrators = True

    @extend_schema(request=None, responses={201: IssuedTokenSerializer})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            token, key = api_token_rotate(token=request.auth, actor=request.user)
        else:
            token, key = api_token_issue(user=request.user, actor=request.user)
        return _issued(token, key)


class StaffTokenView(APIView):
    """A clinic administrator issues a new key for a member of their clinic (earlier keys stop working), or
    revokes every key of theirs."""

    permission_classes = [IsClinicAdministrator]

    def _member(self, request, pk) -> User:
        return get_object_or_404(User.objects.filter(clinic_id=request.user.clinic_id, is_active=True), pk=pk)

    @extend_schema(request=None, responses={201: IssuedTokenSerializer})
    def post(self, request, pk):
        member = self._member(request, pk)
        api_tokens_revoke(user=member, actor=request.user)
        token, key = api_token_issue(user=member, actor=request.user)
        return _issued(token, key)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk):
        api_tokens_revoke(user=self._member(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
