"""A deterministic fictional company: the data the reference portal serves.

Everything is derived from ``(seed, departments)`` with a private ``random.Random``, so the same
seed always gives the same company (ids, names, which optional fields are ``false``), and a
different seed gives a different one. Nothing reads the wall clock: dates are offsets from a fixed
reference instant, so recordings made against the portal stay stable.

Shape, chosen to exercise what the docs describe:

- a department tree several levels deep; the root (id 1) is the company itself; ids after the root
  have seeded gaps (1, 3, 7, 12, ...), never a plain sequence;
- ``full_name`` is ``"<name> / <company name>"`` as in the docs example
  (``"Finance Department / mysite.com"``); the root's full name is the company name alone;
- roughly one department in five has no head (``manager_user_id`` 0), and about half of those
  below the second level have no employee either;
- several employees per department; the department of the ``employee`` role is large (more than
  fifty members) so that ``im.department.colleagues.list`` pages and its 50 cap both matter;
- users whose optional fields vary within what the current docs allow (``phones`` false or
  an object with only the non-empty ones of its four keys, ``idle``/``absent``/... false or an ATOM date, ``avatar`` empty or a URL, ``birthday``
  ``DD-MM`` or empty), an extranet user and a bot (``bot_data`` an object) with no departments.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

#: The fixed instant all generated dates are relative to (2026-03-03T09:00:00Z).
REFERENCE_TIME = 1772528400

_COMPANIES = (
    ("mysite.com", "mysite.com"),
    ("Northwind Trading", "northwind.example.com"),
    ("Acme Corp", "acme.example.com"),
    ("Globex", "globex.example.com"),
    ("Initech", "initech.example.com"),
    ("Umbrella Logistics", "umbrella.example.com"),
    ("Stark Components", "stark.example.com"),
    ("Wayne Retail", "wayne.example.com"),
)
_OFFSETS = (1, 2, 3, 0, -5, 5)
_DEPT_BASES = (
    "Finance Department",
    "Development Department",
    "Sales Department",
    "Marketing Department",
    "Human Resources",
    "Legal Department",
    "Customer Support",
    "Logistics Department",
    "Procurement",
    "Quality Assurance",
    "Research Department",
    "Security Department",
    "Design Studio",
    "Accounting",
    "Public Relations",
    "Training Center",
    "IT Operations",
    "Product Management",
)
_DEPT_QUALIFIERS = (
    "Berlin",
    "London",
    "New York",
    "Warsaw",
    "Almaty",
    "Madrid",
    "Tokyo",
    "Dubai",
    "Lisbon",
    "Prague",
    "Oslo",
    "Milan",
    "Toronto",
    "Sydney",
    "Riga",
    "Vilnius",
)
_FIRST_M = (
    "John",
    "Peter",
    "Michael",
    "David",
    "James",
    "Robert",
    "Thomas",
    "Daniel",
    "Mark",
    "Paul",
    "Ivan",
    "Sergey",
    "Lukas",
    "Marco",
)
_FIRST_F = (
    "Anna",
    "Maria",
    "Helen",
    "Julia",
    "Laura",
    "Sarah",
    "Emma",
    "Olga",
    "Sofia",
    "Clara",
    "Nina",
    "Irina",
    "Eva",
    "Lucy",
)
_LAST = (
    "Smith",
    "Peterson",
    "Johnson",
    "Brown",
    "Miller",
    "Wilson",
    "Moore",
    "Taylor",
    "Anderson",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
)
_POSITIONS = (
    "Accountant",
    "Engineer",
    "Analyst",
    "Manager",
    "Specialist",
    "Consultant",
    "Coordinator",
    "Designer",
    "Developer",
    "Assistant",
    "",
)
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class User:
    """One portal user; ``fields`` holds the docs' "Manager User Data Object" in docs order."""

    id: int
    fields: dict[str, Any]
    role: str = ""

    @property
    def type(self) -> str:
        return str(self.fields["type"])

    @property
    def departments(self) -> list[int]:
        return list(self.fields["departments"])

    @property
    def intranet(self) -> bool:
        """Intranet users are the only ones allowed to call the ``im.department.*`` methods."""
        return self.type == "user"


@dataclass
class Department:
    """A node of the company structure."""

    id: int
    name: str
    full_name: str
    parent: int | None
    depth: int
    sort: int
    head: int = 0
    members: list[int] = field(default_factory=list)


@dataclass
class Company:
    """The whole fictional portal: departments (by id, tree order), users (by id) and role users."""

    seed: int
    name: str
    domain: str
    utc_offset_hours: int
    departments: dict[int, Department]
    users: dict[int, User]
    role_users: dict[str, int]

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset_hours))

    @cached_property
    def structure_order(self) -> dict[int, int]:
        """Department id → its place in the company structure (depth first, by SORT then id)."""
        children: dict[int | None, list[Department]] = {}
        for dep in self.departments.values():
            children.setdefault(dep.parent, []).append(dep)
        order: dict[int, int] = {}
        stack = sorted(children.get(None, []), key=lambda d: (d.sort, d.id), reverse=True)
        while stack:
            dep = stack.pop()
            order[dep.id] = len(order)
            stack.extend(
                sorted(children.get(dep.id, []), key=lambda d: (d.sort, d.id), reverse=True)
            )
        return order

    def colleagues(self, user_id: int) -> list[int]:
        """Users sharing at least one department with ``user_id`` (the user excluded), sorted."""
        user = self.users[user_id]
        seen: set[int] = set()
        for dep_id in user.departments:
            dep = self.departments.get(dep_id)
            if dep is not None:
                seen.update(dep.members)
        seen.discard(user_id)
        return sorted(seen, key=lambda uid: (self.users[uid].fields["last_name"], uid))


def _atom(ts: float, tz: timezone) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")


def _code(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(length))


class _Builder:
    def __init__(self, seed: int, size: int) -> None:
        self.rng = random.Random(f"b24conform-portal/{seed}/{size}")
        self.seed = seed
        self.size = size
        self.name, self.domain = self.rng.choice(_COMPANIES)
        self.offset = self.rng.choice(_OFFSETS)
        self.tz = timezone(timedelta(hours=self.offset))
        self.users: dict[int, User] = {}
        self.next_user = 1
        self.used_names: set[str] = set()

    # -- users ---------------------------------------------------------------------------
    def _user_id(self) -> int:
        uid = self.next_user
        self.next_user += self.rng.randint(1, 6)
        return uid

    def _date(self, low_days: float, high_days: float) -> str:
        return _atom(REFERENCE_TIME + self.rng.uniform(low_days, high_days) * 86400, self.tz)

    def _maybe_date(self, chance: float, low_days: float, high_days: float) -> str | bool:
        return self._date(low_days, high_days) if self.rng.random() < chance else False

    def _phones(self) -> dict[str, str] | bool:
        """Only the non-empty ones of the four phone keys, or ``false`` when all are empty.

        The docs' table says "User's phones or false" and its example shows two keys; real
        portals send just the numbers a user has (platform.md §8).
        """
        rng = self.rng
        digits = "0123456789"
        phones = {
            key: make()
            for key, make in (
                ("personal_mobile", lambda: "1" + "".join(rng.choice(digits) for _ in range(10))),
                ("work_phone", lambda: "+1 555 " + "".join(rng.choice(digits) for _ in range(4))),
                ("inner_phone", lambda: str(rng.randint(10, 999))),
                ("personal_phone", lambda: "2" + "".join(rng.choice(digits) for _ in range(9))),
            )
            if rng.random() < 0.35
        }
        return phones or False

    def make_user(self, kind: str = "user", position: str | None = None) -> User:
        rng = self.rng
        gender = rng.choice("MF")
        first = rng.choice(_FIRST_M if gender == "M" else _FIRST_F)
        last = rng.choice(_LAST)
        uid = self._user_id()
        slug = f"{first}-{last}".lower()
        avatar = "" if rng.random() < 0.3 else f"https://{self.domain}/upload/avatars/{slug}.jpg"
        phones = self._phones()
        birthday = (
            "" if rng.random() < 0.35 else f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}"
        )
        bot_data: dict[str, Any] | None = None
        if kind == "bot":
            first, last, gender, avatar, phones, birthday = "Helper", "Bot", "M", "", False, ""
            bot_data = {
                "code": "helper_bot",
                "app_id": "",
                "type": "B",
                "is_hidden": False,
                "is_support_openline": False,
                "is_network": False,
            }
        fields: dict[str, Any] = {
            "id": uid,
            "active": kind != "user" or rng.random() > 0.05,
            "name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            "work_position": position if position is not None else rng.choice(_POSITIONS),
            "color": f"#{rng.randrange(0x1000000):06x}",
            "avatar": avatar,
            "avatar_hr": avatar,
            "gender": gender,
            "birthday": birthday,
            "extranet": kind == "extranet",
            "network": False,
            "bot": kind == "bot",
            "connector": False,
            "external_auth_id": {"bot": "bot", "extranet": "default"}.get(
                kind, rng.choice(("default", "socservices"))
            ),
            "status": "online",
            "idle": self._maybe_date(0.3, -3, 0),
            "last_activity_date": self._date(-400, 0),
            "mobile_last_date": self._maybe_date(0.4, -60, 0),
            "desktop_last_date": self._maybe_date(0.4, -60, 0),
            "absent": self._maybe_date(0.15, 1, 30),
            "departments": [],
            "phones": phones,
            "bot_data": bot_data,
            "type": kind,
            "website": "" if rng.random() < 0.7 else f"https://{slug}.example.org",
            "email": f"{slug}.{uid}@{self.domain}",
        }
        user = User(uid, fields)
        self.users[uid] = user
        return user

    # -- departments ---------------------------------------------------------------------
    def dept_name(self) -> str:
        bases = list(_DEPT_BASES)
        self.rng.shuffle(bases)
        for base in bases:
            if base not in self.used_names:
                self.used_names.add(base)
                return base
        while True:
            name = f"{self.rng.choice(_DEPT_BASES)} ({self.rng.choice(_DEPT_QUALIFIERS)})"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
            if len(self.used_names) > len(_DEPT_BASES) * (len(_DEPT_QUALIFIERS) + 1) - 5:
                name = f"{name} {len(self.used_names)}"
                self.used_names.add(name)
                return name

    def build(self) -> Company:
        rng = self.rng
        size = max(3, self.size)
        root = Department(1, self.name, self.name, None, 0, 500)
        deps: list[Department] = [root]
        parents = [root]  # the departments shallow enough to get children, in creation order
        next_id = 1
        for index in range(1, size):
            next_id += rng.randint(1, 5) if index > 1 else rng.randint(2, 4)
            # a guaranteed chain root → 1 → 2 → 3 levels deep, then any shallow parent
            parent = deps[index - 1] if index <= 3 else rng.choice(parents)
            name = self.dept_name()
            dep = Department(
                next_id,
                name,
                f"{name} / {self.name}",
                parent.id,
                parent.depth + 1,
                rng.choice((100, 200, 300, 500)),
            )
            deps.append(dep)
            if dep.depth < 5:
                parents.append(dep)
        by_id = {d.id: d for d in deps}
        role_users: dict[str, int] = {}

        # the admin heads the company
        admin = self.make_user(position="Chief Executive Officer")
        root.head = admin.id
        role_users["admin"] = admin.id
        # roughly one department in five is headless; the chain's first two and one depth-3
        # department always have heads (the head role and depth-dependent faults need them).
        for dep in deps[1:]:
            headless = rng.random() < 0.2 and dep not in deps[1:4:2]
            if headless:
                continue
            head = self.make_user(position=f"Head of {dep.name}")
            dep.head = head.id
        for dep in deps:
            if dep.head:
                dep.members.append(dep.head)
        # ordinary employees
        big = deps[2]  # the employee's department: more than 50 members
        for dep in deps:
            count = rng.randint(55, 62) if dep is big else rng.randint(2, 5)
            if dep is not big and not dep.head and dep.depth >= 2 and rng.random() < 0.5:
                count = 0  # an empty department: no head, no employee (employees.get leaves it out)
            for _ in range(count):
                user = self.make_user()
                dep.members.append(user.id)
        role_users["head"] = deps[1].head
        role_users["employee"] = next(uid for uid in big.members if uid != big.head)
        # some people also belong to a second department (the docs example: "departments": [1, 7])
        for dep in deps[1:]:
            if rng.random() < 0.3 and dep.members:
                extra = rng.choice(dep.members)
                if extra != role_users["employee"] and extra not in root.members:
                    root.members.append(extra)
        for dep in deps:
            for uid in dep.members:
                self.users[uid].fields["departments"].append(dep.id)
        for uid in role_users.values():
            self.users[uid].fields["active"] = True

        extranet = self.make_user(kind="extranet", position="Contractor")
        bot = self.make_user(kind="bot", position="")
        role_users["extranet"] = extranet.id
        role_users["bot"] = bot.id
        for role, uid in role_users.items():
            if not self.users[uid].role:
                self.users[uid].role = role
        return Company(
            seed=self.seed,
            name=self.name,
            domain=self.domain,
            utc_offset_hours=self.offset,
            departments=by_id,
            users=dict(sorted(self.users.items())),
            role_users=role_users,
        )


def build_company(seed: int = 0, departments: int = 12) -> Company:
    """Build the company for ``seed`` with ``departments`` departments (at least 3)."""
    if departments < 3:
        raise ValueError(f"departments must be at least 3, got {departments}")
    return _Builder(seed, departments).build()


def make_secret(seed: int, label: str, length: int) -> str:
    """A deterministic secret-looking string (webhook codes, OAuth tokens) for ``label``."""
    return _code(random.Random(f"b24conform-secret/{seed}/{label}"), length)
