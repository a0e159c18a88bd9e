"""Filters of the API's lists, bounded: a search of thousands of words is refused, not turned into SQL."""

from rest_framework.exceptions import ValidationError
from rest_framework.fields import CharField
from rest_framework.filters import SearchFilter, search_smart_split

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_TERMS = 5


class BoundedSearchFilter(SearchFilter):
    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        field = CharField(trim_whitespace=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH)
        try:
            cleaned = field.run_validation(value)
        except ValidationError as exc:  # named after the query parameter
            raise ValidationError({self.search_param: exc.detail}) from None
        return search_smart_split(cleaned)[:SEARCH_MAX_TERMS]
