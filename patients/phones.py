"""Phone numbers as staff type them ("07700 900123", "+44 7700 900123") to E.164, with what kind
of line they are, using Google's libphonenumber metadata (the `phonenumbers` package).

The clinic's country is the default region for national numbers. Where the metadata can tell
(most countries, not the US or Canada) a landline is told from a mobile, so that no text is sent
to a number that cannot receive it.
"""

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

#: Longest input accepted: an E.164 number has at most 15 digits; spaces, brackets and an
#: extension are allowed around them.
MAX_INPUT_LENGTH = 40


class PhoneKind:
    MOBILE = "mobile"
    LANDLINE = "landline"  # cannot receive texts (fixed line, toll-free, premium rate, pager, ...)
    UNKNOWN = "unknown"  # the metadata cannot tell (e.g. North American numbers, VoIP)
    CHOICES = [(MOBILE, "Mobile"), (LANDLINE, "Landline"), (UNKNOWN, "Not known")]


_KINDS = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.UNKNOWN,
    PhoneNumberType.VOIP: PhoneKind.UNKNOWN,
    PhoneNumberType.PERSONAL_NUMBER: PhoneKind.UNKNOWN,
    PhoneNumberType.UNKNOWN: PhoneKind.UNKNOWN,
}


class PhoneError(ValueError):
    pass


@dataclass(frozen=True)
class Phone:
    e164: str
    kind: str

    @property
    def can_text(self) -> bool:
        return self.kind != PhoneKind.LANDLINE


def phone_normalize(raw: str, region: str) -> Phone:
    """Parse a number typed in any common form; national numbers are read as `region`'s."""
    text = (raw or "").strip()
    if len(text) > MAX_INPUT_LENGTH:
        raise PhoneError(f"is too long for a phone number (at most {MAX_INPUT_LENGTH} characters)")
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    hint = ""
    if example is not None:
        hint = (f" (e.g. {phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)} or "
                f"{phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)})")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise PhoneError(f"is not a phone number{hint}") from None
    valid = phonenumbers.is_valid_number(number)
    if not (valid or phonenumbers.is_possible_number_for_type(number, PhoneNumberType.MOBILE)):
        where = phonenumbers.region_code_for_country_code(number.country_code)
        where = region if where == phonenumbers.UNKNOWN_REGION else where
        raise PhoneError(f"is not a possible phone number for {where}{hint}")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not valid:
        # A mobile's length, but in no range the metadata knows (a new range, or one kept for
        # drama such as 07700 900xxx): kept, with its kind unknown, rather than refused.
        return Phone(e164=e164, kind=PhoneKind.UNKNOWN)
    return Phone(e164=e164, kind=_KINDS.get(phonenumbers.number_type(number), PhoneKind.LANDLINE))


def region_is_supported(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS
