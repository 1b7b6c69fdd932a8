"""The demo company's people directory: ~300 people in IT, Operations, Finance, Sales and HR."""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST = ("Amara Ben Chloe Dmitri Elena Farid Grace Hiro Ines Jonas Kavya Liam Maya Noah Olga Pablo Quinn Rosa "
         "Sanjay Tessa Umar Vera Wes Ximena Yusuf Zoe Aiden Bea Carlos Dana Emeka Fiona Gabriel Hana Ivan Jada "
         "Kofi Lena Mateo Nadia Oscar Priya Ravi Sofia Tomas Uma Viktor Wen Yara Zane").split()
LAST = ("Adeyemi Berg Costa Dubois Eriksen Fischer Garcia Haddad Ito Jensen Kowalski Larsen Moreau Nakamura "
        "Okafor Petrov Quist Rossi Schmidt Tanaka Ulrich Varga Walsh Xu Yilmaz Zimmer Andersen Brennan Chen "
        "Dlamini Evans Fontaine Gupta Horvat Ivanova Jovanovic Kim Lindqvist Mensah Novak").split()

# department → (kind, head title, {team: (size, leader title, member titles)})
STRUCTURE: dict[str, tuple[str, str, dict[str, tuple[int, str, tuple[str, ...]]]]] = {
    "IT": ("it", "Chief Information Officer", {
        "Service Desk": (14, "Service Desk Manager", ("Service Desk Analyst", "Senior Service Desk Analyst")),
        "Infrastructure": (11, "Infrastructure Lead", ("Systems Engineer", "Network Engineer", "Cloud Engineer")),
        "Business Applications": (12, "Applications Lead", ("Application Analyst", "Developer", "ERP Specialist")),
        "Security": (6, "Security Lead", ("Security Analyst",)),
    }),
    "Operations": ("operations", "Chief Operating Officer", {
        "Warehouse": (64, "Warehouse Manager", ("Warehouse Operative", "Shift Supervisor", "Inventory Controller")),
        "Transport": (46, "Transport Manager", ("Driver", "Fleet Coordinator", "Route Planner")),
        "Customer Service": (38, "Customer Service Manager", ("Customer Service Agent", "Senior Agent")),
        "Operations Planning": (16, "Head of Operations Planning", ("Demand Planner", "Capacity Planner")),
    }),
    "Finance": ("other", "Chief Financial Officer", {
        "Accounts": (18, "Financial Controller", ("Accountant", "Accounts Payable Clerk")),
        "FP&A": (13, "FP&A Lead", ("Financial Analyst",)),
    }),
    "Sales": ("other", "Sales Director", {
        "Field Sales": (22, "Head of Field Sales", ("Account Executive",)),
        "Account Management": (18, "Head of Account Management", ("Account Manager",)),
    }),
    "HR": ("other", "HR Director", {
        "People Operations": (9, "People Partner Lead", ("HR Advisor", "Recruiter")),
    }),
}

# The logins' people, so each demo login is somebody in the directory.
NAMED = {
    "cio": ("Morgan Hale", "IT", None, "Chief Information Officer"),
    "coo": ("Ruth Okonkwo", "Operations", None, "Chief Operating Officer"),
}


def people_rows(seed: int, domain: str) -> list[dict]:
    rng = random.Random(seed)
    used: set[str] = set()
    rows: list[dict] = []

    def person(department: str, team: str, title: str, leader: bool, name: str | None = None) -> None:
        while name is None or name.lower() in used:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        used.add(name.lower())
        email = name.lower().replace(" ", ".") + "@" + domain
        rows.append({"name": name, "email": email, "department": department, "team": team, "title": title,
                     "leader": "yes" if leader else "no"})

    for department, (_kind, head_title, teams) in STRUCTURE.items():
        named = next((n for n in NAMED.values() if n[1] == department), None)
        first_team = next(iter(teams))
        person(department, first_team, head_title, True, named[0] if named else None)
        for team, (size, lead_title, titles) in teams.items():
            person(department, team, lead_title, True)
            for _ in range(size - 1):
                person(department, team, rng.choice(titles), False)
    return rows


def write_people_csv(path: Path, seed: int, domain: str) -> int:
    rows = people_rows(seed, domain)
    with path.open("w", newline="", encoding="utf-8") as handle:
        # Header names as an HR export writes them, to exercise the synonyms.
        writer = csv.writer(handle)
        writer.writerow(["Full Name", "E-mail", "Department", "Team", "Job Title", "People Leader"])
        for r in rows:
            writer.writerow([r["name"], r["email"], r["department"], r["team"], r["title"], r["leader"]])
    return len(rows)


def department_kinds() -> dict[str, str]:
    return {name: kind for name, (kind, _t, _teams) in STRUCTURE.items()}
