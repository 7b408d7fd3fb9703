"""Deliver stage: who on the GC's BuildingConnected project team gets a bid package's award mail.

Input: the raw v3 ``project-team-members`` of a project (``includeExternal=true``), the project's
owner company id (a member whose ``user.companyId`` differs is external) and each bid package's
``leadUserId`` and id. Output: the addresses to mail -- the project lead, each package's lead user
and the members subscribed to a package or notified of everything (``notificationPreferences``
``ALL``) -- de-duplicated case-insensitively (first spelling kept), empty e-mails skipped, external
members only when asked; plus notes on anyone who could not be addressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reporter.api.bc_models import TeamMember


@dataclass
class TeamRecipients:
    addresses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _chosen(m: TeamMember, package_ids: set[str], leads: set[str]) -> bool:
    user_id = m.user.id if m.user else None
    return bool(m.isProjectLead or (user_id and user_id in leads) or m.notificationPreferences == "ALL"
                or package_ids & set(m.subscribedBidPackages))


def team_recipients(members: Iterable[dict[str, Any]], *, owner_company_id: str | None,
                    packages: Iterable[tuple[str, str | None]], include_external: bool = False) -> TeamRecipients:
    """``packages``: (bid package id, its ``leadUserId``) pairs of one project."""
    pairs = list(packages)
    package_ids = {p for p, _ in pairs}
    leads = {u for _, u in pairs if u}
    out = TeamRecipients()
    seen: set[str] = set()
    found_leads: set[str] = set()
    for raw in members:
        m = TeamMember.model_validate(raw)
        if m.user is None or not _chosen(m, package_ids, leads):
            continue
        if m.user.id in leads:
            found_leads.add(m.user.id)
        name = " ".join(x for x in (m.user.firstName, m.user.lastName) if x) or m.user.id or "a member"
        external = bool(owner_company_id and m.user.companyId and m.user.companyId != owner_company_id)
        if external and not include_external:
            out.notes.append(f"{name} is an external member: not addressed without --include-external")
            continue
        email = (m.user.email or "").strip()
        if not email:
            out.notes.append(f"{name} has no e-mail address in BuildingConnected: not addressed")
            continue
        if email.lower() not in seen:
            seen.add(email.lower())
            out.addresses.append(email)
    for lead in sorted(leads - found_leads):
        out.notes.append(f"the package lead user {lead} is not on the project team: not addressed")
    return out
