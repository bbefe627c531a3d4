"""What never goes into a cassette: secrets, and the personal data of real people.

Secrets (webhook codes, tokens, `auth` parameters) are replaced by named placeholders, so a
replay sends the same requests with the placeholders as credentials. Personal data in answers
(names, e-mails, phones, avatars, birthdays, websites) is replaced by fakes of the same shape and
format, derived from the value with a key drawn for this recording and then forgotten: the same
person gets the same fake everywhere in the cassette, ids are kept, and no fake can be traced back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any

NAME_FIELDS = ("name", "first_name", "last_name")
USER_MARKERS = ("first_name", "last_name", "email", "avatar", "work_position")


class Scrubber:
    """Replaces secrets by placeholders and personal data by stable fakes."""

    def __init__(self, secrets_to_placeholders: dict[str, str], key: bytes | None = None) -> None:
        self.secrets = {s: p for s, p in secrets_to_placeholders.items() if s}
        self._key = key or secrets.token_bytes(32)

    # -- secrets ------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        for secret, placeholder in self.secrets.items():
            value = value.replace(secret, placeholder)
        return value

    # -- personal data ------------------------------------------------------------------------

    def _digest(self, value: str) -> bytes:
        return hmac.new(self._key, value.encode(), hashlib.sha256).digest()

    def word(self, value: str) -> str:
        """A fake for one word of a name ("Fake0421"); a name's words map alike wherever they
        appear. Plainly a fake to a reader, and never a real person's name, nor holding one,
        as a fake drawn from a list of real first names would be now and then."""
        if not value:
            return value
        return f"Fake{int.from_bytes(self._digest(value)[:4], 'big') % 10_000:04d}"

    def name(self, value: str) -> str:
        return " ".join(self.word(part) for part in value.split(" ")) if value else value

    def digits(self, value: str) -> str:
        digest = self._digest(value).hex()
        numbers = iter(str(int(c, 16) % 10) for c in digest * 4)
        return "".join(next(numbers) if c.isdigit() else c for c in value)

    def email(self, value: str) -> str:
        return f"user.{self._digest(value).hex()[:10]}@example.com" if value else value

    def url(self, value: str, suffix: str = ".jpg") -> str:
        return (
            f"https://example.com/fake/{self._digest(value).hex()[:16]}{suffix}" if value else value
        )

    def birthday(self, value: str) -> str:
        if not value:
            return value
        digest = self._digest(value)
        return f"{digest[0] % 28 + 1:02d}-{digest[1] % 12 + 1:02d}"

    def person(self, user: dict[str, Any]) -> dict[str, Any]:
        out = dict(user)
        for field in NAME_FIELDS:
            if isinstance(out.get(field), str):
                out[field] = self.name(out[field])
        if isinstance(out.get("email"), str):
            out["email"] = self.email(out["email"])
        for field in ("avatar", "avatar_hr"):
            if isinstance(out.get(field), str):
                out[field] = self.url(out[field])
        if isinstance(out.get("website"), str):
            out["website"] = self.url(out["website"], "")
        if isinstance(out.get("birthday"), str):
            out["birthday"] = self.birthday(out["birthday"])
        if isinstance(out.get("phones"), dict):
            out["phones"] = {
                k: self.digits(v) if isinstance(v, str) else v for k, v in out["phones"].items()
            }
        return out

    def json(self, value: Any) -> Any:
        """Every user object anywhere in an answer (batch envelopes included) made anonymous."""
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            walked = {k: self.json(v) for k, v in value.items()}
            if any(marker in value for marker in USER_MARKERS):
                walked = self.person(walked)
            return walked
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, body: bytes | str | None) -> bytes | str | None:
        """A recorded body: JSON answers made anonymous, any other text stripped of secrets."""
        if not body:
            return body
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            scrubbed = json.dumps(self.json(json.loads(text)), ensure_ascii=False)
        except ValueError:
            scrubbed = self.text(text)
        return scrubbed.encode() if isinstance(body, bytes) else scrubbed


#: Fields of a user object that hold personal data (phones: every member of the object).
PERSON_FIELDS = (*NAME_FIELDS, "email", "avatar", "avatar_hr", "website", "birthday")


class PersonalData:
    """The personal values a run saw in answers, and fakes that keep their shape, for the reports.

    A deviation quotes what the portal sent (`actual`, and the message around it); on a real
    portal that can be a person's birthday or phone. The fake keeps every character's class (digit,
    lower, upper; punctuation as is), so the finding it illustrates (an ISO birthday, a path that is
    no URL) reads the same while the value cannot be traced back (a key drawn for this run).
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)
        self.values: set[str] = set()

    def collect(self, body: Any) -> None:
        """Remember the personal values of every user object anywhere in an answer."""
        if isinstance(body, list):
            for item in body:
                self.collect(item)
        elif isinstance(body, dict):
            if any(marker in body for marker in USER_MARKERS):
                for field in PERSON_FIELDS:
                    if isinstance(body.get(field), str) and len(body[field]) >= 3:
                        self.values.add(body[field])
                phones = body.get("phones")
                if isinstance(phones, dict):
                    self.values.update(
                        str(v)
                        for v in phones.values()
                        if isinstance(v, (str, int)) and len(str(v)) >= 3
                    )
            for value in body.values():
                if isinstance(value, (dict, list)):
                    self.collect(value)

    def fake(self, value: str) -> str:
        """The value's fake: each character of its class, never the value itself (a three-digit
        inner phone would otherwise come out as itself once in 900 runs)."""
        for attempt in range(8):
            fake = self._fake(value, attempt)
            if fake != value:
                return fake
        return fake  # nothing to change in it: punctuation only

    def _fake(self, value: str, attempt: int) -> str:
        salted = value.encode() + (b"\0%d" % attempt if attempt else b"")
        stream = hmac.new(self._key, salted, hashlib.sha512).digest()
        out = []
        for i, char in enumerate(value):
            byte = stream[i % len(stream)] ^ i
            if char.isdigit():
                out.append(str(byte % 9 + 1) if i == 0 else str(byte % 10))
            elif char.isalpha() and char.isascii():
                letter = chr(ord("a") + byte % 26)
                out.append(letter.upper() if char.isupper() else letter)
            elif char.isalpha():
                out.append("x")
            else:
                out.append(char)
        return "".join(out)

    def mask(self, value: Any) -> Any:
        """`value` with every personal value in it (whole strings, or numbers) faked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, list):
                return [self.mask(v) for v in value]
            if isinstance(value, dict):
                return {k: self.mask(v) for k, v in value.items()}
            return value
        return int(self.fake(str(value))) if str(value) in self.values else value

    def text(self, text: str) -> str:
        """`text` with every personal value found in it replaced by its fake: where it stands
        alone, not inside a longer word or number (an inner phone `527` is no part of the
        timestamp 1772527966 a message quotes from the docs)."""
        for value in sorted((v for v in self.values if v in text), key=len, reverse=True):
            alone = re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])")
            text = alone.sub(self.fake(value).replace("\\", "\\\\"), text)
        return text
