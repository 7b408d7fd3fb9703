"""Deliver stage, ACC Docs folders: find (or create) a folder path, refusing bidder-shared ones.

Input: a ``DataManagementClient``, the ``Target`` (hub, project, path, bidder-shared folder ids).
Output: folder ids by path (``Folders.find`` / ``Folders.ensure``) and each folder's items by name
(``Folders.items``: item id, tip version and the storage it points at), listed once and kept.

Every folder on the way -- the top folder, each one below it -- is checked against the
BuildingConnected Docs folders (``currentAccDocsFolderId``) of the projects and bid packages
linked to the ACC project: filing into one, or into a folder inside one, is refused
(``SharedFolderRefused``, one line) before anything is created. A folder is looked up by name
(case-insensitive, as ACC compares) before it is created; a 409 or a lost answer means it may
exist now: the parent is listed again.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporter.api.data_management import DataManagementClient
from reporter.api.dm_models import FolderContents
from reporter.deliver.acc_target import Target
from reporter.errors import Conflict, DeliveryError, ServerError

POST_ATTEMPTS = 4  # a non-idempotent POST: tries, looking in between


class SharedFolderRefused(DeliveryError):
    """The target folder is (or lies inside) a Docs folder BuildingConnected shares with bidders."""

    exit_code = 2


@dataclass(frozen=True)
class RemoteItem:
    item_id: str
    name: str
    tip_id: str | None
    tip_number: int | None
    storage_id: str | None


def items_by_name(contents: FolderContents) -> dict[str, RemoteItem]:
    versions = {v.id: v for v in contents.included if v.type == "versions" and v.id}
    out: dict[str, RemoteItem] = {}
    for item in contents.items():
        tip = item.related("tip")
        version = versions.get(tip.id) if tip and tip.id else None
        storage = version.related("storage") if version else None
        if item.id and item.title:
            out[item.title.casefold()] = RemoteItem(
                item.id, item.title, tip.id if tip else None,
                version.attributes.versionNumber if version else None, storage.id if storage else None)
    return out


class Folders:
    def __init__(self, dm: DataManagementClient, target: Target) -> None:
        self.dm, self.target = dm, target
        self._ids: dict[tuple[str, ...], str] = {}
        self._contents: dict[str, FolderContents] = {}
        self.created: list[str] = []  # paths of the folders this run created

    def _check(self, folder_id: str, path: tuple[str, ...]) -> None:
        whose = self.target.shared.get(folder_id)
        if whose:
            where = "/".join(path)
            wanted = self.target.path_text
            inside = "" if where == wanted else f" (it lies inside {where})"
            raise SharedFolderRefused(
                f"refusing to file into {wanted}{inside}: that is the Docs folder of {whose} in "
                "BuildingConnected, shared with every bidder; choose another --folder")

    async def contents(self, folder_id: str, *, fresh: bool = False) -> FolderContents:
        if fresh or folder_id not in self._contents:
            self._contents[folder_id] = await self.dm.folder_contents(self.target.project_id, folder_id)
        return self._contents[folder_id]

    async def items(self, folder_id: str, *, fresh: bool = False) -> dict[str, RemoteItem]:
        return items_by_name(await self.contents(folder_id, fresh=fresh))

    async def _child(self, parent: str, name: str, *, fresh: bool = False) -> str | None:
        contents = await self.contents(parent, fresh=fresh)
        return next((f.id for f in contents.folders() if f.id and f.title.casefold() == name.casefold()), None)

    async def _top(self) -> str:
        key = (self.target.path[0],)
        if key not in self._ids:
            top = await self.dm.top_folders(self.target.hub_id, self.target.project_id)
            found = top.named(key[0])
            if found is None or not found.id:
                have = ", ".join(repr(f.title) for f in top.data) or "none"
                raise DeliveryError(f"ACC project {self.target.project_id} has no top folder {key[0]!r} "
                                    f"(its top folders: {have}); check --folder")
            self._check(found.id, key)
            self._ids[key] = found.id
        return self._ids[key]

    async def find(self, names: tuple[str, ...]) -> str | None:
        """The id of the folder at ``names`` (from the top folder), None when a part is missing."""
        if names in self._ids:
            return self._ids[names]
        parent = await self._top() if len(names) == 1 else await self.find(names[:-1])
        if len(names) == 1 or parent is None:
            return parent
        found = await self._child(parent, names[-1])
        if found:
            self._check(found, names)
            self._ids[names] = found
        return found

    async def ensure(self, names: tuple[str, ...]) -> str:
        """The id of the folder at ``names``, creating what is missing (each part looked up first)."""
        found = await self.find(names)
        if found:
            return found
        parent = await self.ensure(names[:-1])
        for attempt in range(POST_ATTEMPTS):
            try:
                made = await self.dm.create_folder(self.target.project_id, parent, names[-1])
            except (Conflict, ServerError):  # exists (409), or the answer was lost: look again
                if attempt == POST_ATTEMPTS - 1:
                    raise
                found = await self._child(parent, names[-1], fresh=True)
            else:
                found = made.data.id
                self.created.append("/".join(names))
                if found:
                    self._contents[found] = FolderContents()  # new: nothing in it yet
            if found:
                self._check(found, names)
                self._ids[names] = found
                self._contents.pop(parent, None)
                return found
        raise DeliveryError(f"could not create the ACC folder {'/'.join(names)}")  # pragma: no cover
