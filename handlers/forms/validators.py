"""Parsers for typed answers: each returns the value to store or raises Invalid with the key of
a Vietnamese explanation. Libraries do the real checking (python-stdnum, phonenumbers,
email-validator)."""

import re
import unicodedata
from datetime import date, datetime, time

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.vn import mst

from handlers.forms.spec import Invalid
from handlers.textnorm import (
    fold,
    has_format_characters,
    whole_number,
    without_format_characters,
)

# 2018 conversion of 11-digit mobile numbers: old prefix → new prefix (last 7 digits kept).
OLD_MOBILE_PREFIXES = {
    **{f"016{d}": f"03{d}" for d in "23456789"},
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}
NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5}
_FORBIDDEN_CATEGORIES = {"So", "Sk", "Cs", "Co", "Cc", "Cn"}  # emoji, symbols, control chars
_MARKUP = set("<>{}[]\\|^~`")


def plain_text(text: str, min_len: int = 2, max_len: int = 200) -> str:
    """Ordinary text: letters required; no emoji, markup, control or invisible characters."""
    if has_format_characters(text):
        raise Invalid("validation.invisible_characters")
    if len(text) < min_len:
        raise Invalid("validation.too_short", min=min_len)
    if len(text) > max_len:
        raise Invalid("validation.too_long", max=max_len)
    if any(c in _MARKUP or unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in text):
        raise Invalid("validation.odd_characters")
    if not any(c.isalpha() for c in text):
        raise Invalid("validation.needs_letters")
    return text


def free_text(text: str, min_len: int = 2, max_len: int = 300) -> str:
    """A note or a fact: ordinary text, with invisible characters left out, not refused."""
    return plain_text(without_format_characters(text), min_len, max_len)


def company(text: str) -> str:
    return plain_text(text, 2, 200)


def commune(text: str) -> str:
    """A xã, phường or đặc khu as typed ("phường Tam Kỳ"): the new names are many and recent."""
    return plain_text(text, 2, 100)


def job_title(text: str) -> str:
    return plain_text(text, 2, 100)


def class_or_faculty(text: str) -> str:
    return plain_text(text, 2, 100)


def person_name(text: str) -> str:
    """A Vietnamese full name (họ, tên đệm, tên), kept with its diacritics as typed."""
    if any(c.isdigit() for c in text):
        raise Invalid("validation.name_digits")
    name = plain_text(text, 2, 100)
    if any(not (c.isalpha() or unicodedata.combining(c) or c in " -'") for c in name):
        raise Invalid("validation.name_characters")
    if not 2 <= len(name.split()) <= 7:
        raise Invalid("validation.name_words")
    return name.title() if name.islower() or name.isupper() else name


def tax_code(text: str) -> str:
    """Mã số thuế: 10 digits, or 10-3 for a branch, with its check digit verified; or the
    12-digit personal identification number household businesses use as their tax code from
    01/07/2025 (format only: it has no public check digit)."""
    compact = mst.compact(unicodedata.normalize("NFKC", text))
    if re.fullmatch(r"[0-9]{12}", compact):
        return compact
    if not re.fullmatch(r"[0-9]{10}|[0-9]{13}", compact):
        raise Invalid("validation.tax_code_format")
    try:
        return mst.validate(compact)
    except InvalidChecksum:
        raise Invalid("validation.tax_code_checksum") from None
    except ValidationError:
        raise Invalid("validation.tax_code_format") from None


def show_tax_code(value: str) -> str:
    return value if len(value) == 12 else mst.format(value)


def phone(text: str) -> str:
    """A Vietnamese mobile or landline number, stored as E.164 (+84…)."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("0084"):
        digits = "+84" + digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "+" + digits
    national = "0" + digits[3:] if digits.startswith("+84") else digits
    if len(national) == 11 and national[:4] in OLD_MOBILE_PREFIXES:
        suggestion = OLD_MOBILE_PREFIXES[national[:4]] + national[4:]
        raise Invalid("validation.phone_old_prefix", new=show_phone_national(suggestion))
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        raise Invalid("validation.phone_format") from None
    kinds = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE}
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise Invalid("validation.phone_format")
    if phonenumbers.number_type(number) not in kinds:
        raise Invalid("validation.phone_format")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_phone(value: str) -> str:
    """+84905123456 → 0905 123 456."""
    return show_phone_national("0" + value[3:] if value.startswith("+84") else value)


def show_phone_national(national: str) -> str:
    if len(national) == 10:
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    if len(national) == 11:  # landline: 0 + area code + number
        return f"{national[:4]} {national[4:8]} {national[8:]}"
    return national


def email(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("validation.email") from None


def count_between(low: int, high: int):
    """A parser for a small count typed as digits ("3", "3 người") or a word ("ba")."""

    def parse(text: str) -> int:
        words = fold(text).replace("nguoi", "").split()
        value = None
        if len(words) == 1:
            value = NUMBER_WORDS.get(words[0], whole_number(words[0]))
        if value is None:
            raise Invalid("validation.count_not_number", low=low, high=high)
        if not low <= value <= high:
            raise Invalid("validation.count_range", low=low, high=high)
        return value

    return parse


def student_id(text: str) -> str:
    """Mã số sinh viên: each school has its own format; we require 5–15 letters or digits."""
    value = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).upper()
    if not re.fullmatch(r"[A-Z0-9]{5,15}", value):
        raise Invalid("validation.student_id")
    return value


def day_month_year(text: str) -> str:
    """A date typed as dd/mm/yyyy (or dd-mm-yyyy, dd.mm.yyyy); stored as ISO yyyy-mm-dd."""
    typed = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})", typed)
    try:
        if match is None:
            raise ValueError
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day).isoformat()
    except ValueError:
        raise Invalid("validation.date") from None


def show_date(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m/%Y")


def hour_minute(text: str) -> str:
    """A time typed as 8:00, 08h30 or 14.00; stored as HH:MM."""
    typed = unicodedata.normalize("NFKC", text).strip()
    match = re.fullmatch(r"([0-9]{1,2})\s*[:hH.g]\s*([0-9]{2})?", typed)
    try:
        if match is None:
            raise ValueError
        return time(int(match.group(1)), int(match.group(2) or 0)).strftime("%H:%M")
    except ValueError:
        raise Invalid("validation.time") from None


def local_datetime(day: str, hour: str, tz) -> datetime:
    """ISO date + HH:MM in ``tz`` as an aware datetime."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(hour), tz)
