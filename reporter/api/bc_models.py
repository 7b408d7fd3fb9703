"""Fetch stage: pydantic models of BuildingConnected's bodies as they travel on the wire.

Input: dicts decoded with ``reporter.jsonio.loads_exact`` from the BuildingConnected API
(``/v3/projects``, ``/bid-packages``, ``/invites``, ``/bids`` with their ``/line-items`` and ``/plugs``,
``/v3/project-team-members``, ``/users``, ``/bid-package-stats``; see
``/work/shared/reference/buildingconnected-api.md`` and ``buildingconnected-shapes.md``).
Output: ``BcProject``, ``BidPackage``, ``Invite``, ``Bid``, ``LineItem``, ``Plug``, ``TeamMember``,
``BcUser``, ``BidPackageStats`` and their list pages (``Page[...]``: ``{pagination, results}`` with
``cursorState``/``nextUrl``/``totalResults``).

Tolerance rules as in ``reporter.api.models``: nulls everywhere, unknown fields kept, enum-like
strings (``state``, ``creatorType``, ``type``, ``privileges``...) kept raw (``KNOWN_*`` say which we
know), money exact ``Decimal`` (in the project's ``defaultCurrency``; bids carry no currency),
datetimes aware UTC. ``bidderCompany`` is ``None`` on a ghost invite (``placeholderCompanyName``
names it). ``businessType`` and friends accept a bare string (an older example) as a one-item list.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, model_validator

from reporter.api.models import (
    Certificate,
    Int,
    Money,
    Number,
    Page,
    Text,
    Timestamp,
    WireModel,
    none_to_list,
)

KNOWN_CURRENCIES = frozenset({"AUD", "CAD", "EUR", "GBP", "USD", "NZD"})
KNOWN_PROJECT_STATES = frozenset({"DRAFT", "PUBLISHED", "CLOSED"})
KNOWN_PACKAGE_STATES = frozenset({"DRAFT", "PUBLISHED"})
KNOWN_INVITE_STATES = frozenset(
    {"UNDECIDED", "BIDDING", "NOT_BIDDING", "BID_SUBMITTED", "WON", "LOST", "NOT_INVITED"}
)
KNOWN_CREATOR_TYPES = frozenset({"BIDDER", "HOST"})
KNOWN_LINE_ITEM_TYPES = frozenset(
    {"ADDENDUM", "ALTERNATE", "COST_BREAKDOWN", "INCLUSION", "ACKNOWLEDGMENT", "BONDING",
     "CERTIFICATION", "MARKUP", "LABOR_RATE", "SCOPE_CLARIFICATION", "DISCLAIMER"}
)
TEXT_VALUE_LINE_ITEM_TYPES = frozenset({"TEXT", "YES_NO", "YES_NO_WITH_ADJUSTMENT"})
KNOWN_PRIVILEGES = frozenset({"ADMIN", "VIEW_ONLY"})


def _string_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):  # an older example sends businessType as a plain string
        return [value] if value else []
    return value


def _line_value(value: Any) -> Any:
    """A line item's ``value``: a number (exact) or, for TEXT / YES_NO items, a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    return value


StringList = Annotated[list[str], BeforeValidator(_string_list)]
LineValue = Annotated[Decimal | str | None, BeforeValidator(_line_value)]


ListCertificate = Annotated[list["Certificate"], BeforeValidator(none_to_list)]
ListInvitee = Annotated[list["Invitee"], BeforeValidator(none_to_list)]
ListOffice = Annotated[list["Office"], BeforeValidator(none_to_list)]


class BcCompany(WireModel):
    """A Builders Network company: ``id`` is the TradeTapp ``companyId`` too."""

    id: Text = None
    name: Text = None
    avatarImageUrl: Text = None
    businessType: StringList = Field(default_factory=list)
    website: Text = None
    laborType: StringList = Field(default_factory=list)
    enterpriseType: StringList = Field(default_factory=list)
    companyTags: StringList = Field(default_factory=list)
    certificates: ListCertificate = Field(default_factory=list)


class Coords(WireModel):
    lat: Number = None
    lng: Number = None


class Location(WireModel):
    country: Text = None
    state: Text = None
    streetName: Text = None
    streetNumber: Text = None
    suite: Text = None
    city: Text = None
    zip: Text = None
    complete: Text = None
    coords: Coords | None = None
    precisionLevel: Text = None


class BcProject(WireModel):
    """``GET /v3/projects/{id}`` (v2 is the same object without ``bidFormId``)."""

    id: Text = None
    name: Text = None
    number: Text = None
    company: BcCompany | None = None
    client: Text = None
    location: Location | None = None
    bidsDueAt: Timestamp = None
    startsAt: Timestamp = None
    endsAt: Timestamp = None
    rfisDueAt: Timestamp = None
    jobWalkAt: Timestamp = None
    dueAt: Timestamp = None
    publishedAt: Timestamp = None
    closedAt: Timestamp = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    value: Money = None
    defaultCurrency: Text = None
    state: Text = None
    isBiddingSealed: bool | None = None
    bidAdminUserId: Text = None
    owningOfficeId: Text = None
    createdBy: Text = None
    awarded: bool | None = None
    projectSize: Number = None
    projectSizeUnits: Text = None
    marketSector: Text = None
    architect: Text = None
    isTemplate: bool | None = None
    bidFormId: Text = None
    currentAccLinkedProjectId: Text = None
    currentAccLinkedHubId: Text = None
    currentAccDocsFolderId: Text = None  # shared with ALL bidders: never upload packets here


class BidPackage(WireModel):
    """``GET /bid-packages/{id}``: one scope of work (trade) in a project."""

    id: Text = None
    projectId: Text = None
    name: Text = None
    number: Text = None
    leadUserId: Text = None
    keywords: StringList = Field(default_factory=list)
    estimatedCost: Money = None
    instructions: Text = None
    state: Text = None
    bidsDueAt: Timestamp = None
    startsAt: Timestamp = None
    endsAt: Timestamp = None
    rfisDueAt: Timestamp = None
    jobWalkAt: Timestamp = None
    publishedAt: Timestamp = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    useProjectBidsDueAt: bool | None = None
    useProjectEndsAt: bool | None = None
    useProjectJobWalkAt: bool | None = None
    useProjectRfisDueAt: bool | None = None
    useProjectStartsAt: bool | None = None
    bidAdminUnsealed: bool | None = None
    bidAdminUnsealedAt: Timestamp = None
    awardedCompany: BcCompany | None = None
    awardedBidId: Text = None
    awardedLeveledTotal: Money = None
    bidFormId: Text = None
    currentAccDocsFolderId: Text = None  # shared with the package's bidders: never upload packets here
    currentAccLinkedProjectId: Text = None
    currentAccLinkedHubId: Text = None

    def bids_sealed(self, project: BcProject | None, now: datetime) -> bool:
        """Bids hidden: the project seals bidding, the bid admin has not unsealed this package and
        its bids are not yet due (the package's own due date, else the project's)."""
        if project is None or not project.isBiddingSealed or self.bidAdminUnsealed:
            return False
        due = self.bidsDueAt or project.bidsDueAt
        return due is None or now < due


class Invitee(WireModel):
    id: Text = None
    userId: Text = None
    firstName: Text = None
    lastName: Text = None
    companyId: Text = None  # null for ghost invitees
    phoneNumber: Text = None
    title: Text = None
    email: Text = None
    isEmailValid: bool | None = None
    inviterType: Text = None
    state: Text = None
    firstViewedAt: Timestamp = None
    lastViewedAt: Timestamp = None
    ndaSignedAt: Timestamp = None


class Invite(WireModel):
    """One bidder company (and its invitees) on one bid package."""

    id: Text = None
    projectId: Text = None
    projectName: Text = None
    bidPackageId: Text = None
    bidPackageName: Text = None
    currentAccLinkedProjectId: Text = None
    bidderCompany: BcCompany | None = None  # None: a "ghost" company, not on the Builders Network
    bidderOfficeId: Text = None
    placeholderCompanyName: Text = None
    state: Text = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    invitedAt: Timestamp = None
    invitees: ListInvitee = Field(default_factory=list)

    @property
    def is_ghost(self) -> bool:
        return self.bidderCompany is None or not self.bidderCompany.id

    @property
    def company_id(self) -> str | None:
        return None if self.is_ghost else self.bidderCompany.id  # type: ignore[union-attr]

    @property
    def company_name(self) -> str:
        if self.bidderCompany is not None and self.bidderCompany.name:
            return self.bidderCompany.name
        return self.placeholderCompanyName or ""


class LineItem(WireModel):
    id: Text = None
    type: Text = None
    description: Text = None
    section: Text = None
    isRequired: bool | None = None
    isCustom: bool | None = None
    unit: Text = None
    code: Text = None
    quantity: Number = None
    isQuantityFixed: bool | None = None
    unitCost: Money = None
    value: LineValue = None  # a number, or a string for TEXT / YES_NO items

    @property
    def fingerprint(self) -> tuple[str, str, str, str, str]:
        """The key BuildingConnected matches line items and plugs by (lower-cased)."""
        return tuple((v or "").lower() for v in (self.type, self.description, self.section,  # type: ignore[return-value]
                                                 self.unit, self.code))


class LineItemFingerprint(WireModel):
    type: Text = None
    description: Text = None
    section: Text = None
    unit: Text = None
    code: Text = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return tuple((v or "").lower() for v in (self.type, self.description, self.section,  # type: ignore[return-value]
                                                 self.unit, self.code))


class Plug(WireModel):
    """A leveling adjustment the GC entered for a line item the bidder left out."""

    id: Text = None
    quantity: Number = None
    unitCost: Money = None
    value: Money = None
    createdBy: Text = None
    updatedBy: Text = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    lineItemFingerprint: LineItemFingerprint | None = None


class Bid(WireModel):
    """One revision of one bidder's proposal; the highest ``revision`` is the active one."""

    id: Text = None
    projectId: Text = None
    bidPackageId: Text = None
    inviteId: Text = None
    bidderCompanyId: Text = None
    currentAccLinkedProjectId: Text = None
    creatorType: Text = None
    notes: Text = None
    total: Money = None  # excludes plugs and alternates
    leveledTotal: Money = None
    revision: Int = None
    submittedAt: Timestamp = None
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    createdBy: Text = None
    submittedBy: Text = None
    attachments: StringList = Field(default_factory=list)
    lineItems: Page[LineItem] = Field(default_factory=Page[LineItem])  # first page; more via /line-items
    plugs: Page[Plug] = Field(default_factory=Page[Plug])  # first page; more via /plugs

    @model_validator(mode="before")
    @classmethod
    def _null_pages(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("lineItems", "plugs"):
                if data.get(key) is None:
                    data[key] = {}
        return data

    @property
    def price(self) -> Decimal | None:
        """What an award to this bid would cost: the leveled total when there is one, else the total."""
        return self.leveledTotal if self.leveledTotal is not None else self.total


class Office(WireModel):
    id: Text = None
    isPrimary: bool | None = None
    hasBbPro: bool | None = None
    hasBcPro: bool | None = None
    officeLead: bool | None = None
    name: Text = None
    address: Any = None  # a string or a location object, depending on the source


class BcUser(WireModel):
    id: Text = None
    autodeskId: Text = None
    firstName: Text = None
    lastName: Text = None
    email: Text = None
    alternateEmails: StringList = Field(default_factory=list)
    avatarImageUrl: Text = None
    jobTitle: Text = None
    phoneNumber: Text = None
    companyId: Text = None
    isAccountClaimed: bool | None = None
    emailVerified: bool | None = None
    employmentVerified: bool | None = None
    createdAt: Timestamp = None
    offices: ListOffice = Field(default_factory=list)


class TeamMember(WireModel):
    """``GET /v3/project-team-members``: one member of the GC's project team."""

    id: Text = None
    user: BcUser | None = None
    projectId: Text = None
    createdBy: Text = None
    isProjectLead: bool | None = None
    privileges: Text = None
    notificationPreferences: Text = None
    subscribedBidPackages: StringList = Field(default_factory=list)
    createdAt: Timestamp = None
    updatedAt: Timestamp = None
    firstViewedAt: Timestamp = None
    ndaSignedAt: Timestamp = None
    ndaSignedIpAddress: Text = None


class BidPackageStats(WireModel):
    bidPackageId: Text = None
    invitedCount: Int = None
    viewedCount: Int = None
    undecidedCount: Int = None
    notBiddingCount: Int = None
    biddingCount: Int = None
    submittedBiddersCount: Int = None


ProjectPage = Page[BcProject]
BidPackagePage = Page[BidPackage]
InvitePage = Page[Invite]
BidPage = Page[Bid]
LineItemPage = Page[LineItem]
PlugPage = Page[Plug]
TeamMemberPage = Page[TeamMember]
UserPage = Page[BcUser]
