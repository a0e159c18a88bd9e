"""Counting SMS segments as the networks do, and folding Spanish and Polish to GSM-7 only when it helps."""

import pytest

from reminders.sms_segments import Segments, fold_to_gsm7, for_sms, segments


@pytest.mark.parametrize(("text", "encoding", "units", "count"), [
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # an extension character takes two septets
    ("€" * 81, "GSM-7", 162, 2),
    ("ñÑüé¿¡àèìòù", "GSM-7", 11, 1),  # in the basic table: one septet each
    ("ó" * 70, "UCS-2", 70, 1),
    ("ó" * 71, "UCS-2", 71, 2),
    ("ó" * 134, "UCS-2", 134, 2),
    ("ó" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: two UTF-16 units
])
def test_a_text_is_counted_in_septets_or_utf16_units_and_split_as_the_networks_split_it(text, encoding, units, count):
    assert segments(text) == Segments(encoding, units, count)


def test_an_extension_character_is_never_split_between_two_parts():
    # 152 plain septets then "€": 154 septets do not fit a part of 153, so "€" starts the second part.
    assert segments("a" * 152 + "€" + "a" * 152).count == 3
    assert segments("a" * 152 + "a" * 153).count == 2


def test_a_character_outside_the_bmp_is_never_split_between_two_parts():
    assert segments("a" * 66 + "😀" + "a" * 66).count == 3
    assert segments("a" * 67 + "😀" + "a" * 65).count == 2


def test_polish_letters_fold_to_their_plain_forms_as_polish_texts_are_commonly_written():
    assert fold_to_gsm7("Zażółć gęślą jaźń. ŁÓDŹ Śródmieście") == "Zazolc gesla jazn. LODZ Srodmiescie"


def test_spanish_keeps_the_letters_gsm7_has_and_folds_the_acute_vowels():
    assert fold_to_gsm7("¿Ya la tomó? Mañana, miércoles. Análisis. Pingüino. ÁÍÓÚ é") == (
        "¿Ya la tomo? Mañana, miércoles. Analisis. Pingüino. AIOU é")


def test_typographic_punctuation_folds_to_plain_punctuation():
    assert fold_to_gsm7("St Mary’s – “Riverside”…") == "St Mary's - \"Riverside\"..."


def test_a_text_with_a_character_that_cannot_fold_keeps_its_accents_and_goes_as_ucs2():
    text = "Клиника: ¿Ya la tomó?"
    assert fold_to_gsm7(text) is None
    assert for_sms(text) == text and segments(text).encoding == "UCS-2"


def test_a_text_already_in_gsm7_is_sent_as_it_is():
    assert for_sms("Riverside Clinic: time for today's dose. Reply STOP to opt out.") == (
        "Riverside Clinic: time for today's dose. Reply STOP to opt out.")
