"""Batch: the run's index of the folder, kept as companies finish.

Input: the folder's earlier manifest items and each finished item of this run. Output:
``manifest.json`` rewritten at most every ``interval`` seconds during the run and at the end, so a
run killed at any point leaves a manifest that says what is done. Earlier packets this run did not
reach stay listed (``fromEarlierRun``); an earlier ``ok`` packet whose refresh failed in this run
stays listed too, intact, with the failure beside it (``refreshError``). The folder's bid-package
records (``bidPackages``, the award recommendations...) stay listed while their files are intact
(``reporter.deliver.manifest_bids_kept``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from reporter.deliver.manifest import (
    FileEntry,
    Item,
    Manifest,
    files_intact,
    files_verified,
    previous_items,
    write_manifest,
)
from reporter.deliver.manifest_acc import carried_acc, previous_acc
from reporter.deliver.manifest_bids_kept import carry_bids, previous_bids
from reporter.errors import DeliveryError


class RunIndex:
    def __init__(self, out_dir: Path, build: dict[str, Any], *, interval: float) -> None:
        self.out_dir = out_dir
        self.build = build
        self.interval = interval
        self.earlier: dict[str, Item] = previous_items(out_dir)
        self.earlier_acc = previous_acc(out_dir)  # ``reporter file`` records, kept for the files still listed
        self.earlier_bids = previous_bids(out_dir)  # a bid-package build's award decision, kept while intact
        self.items: list[tuple[int, Item]] = []
        self.started: set[str] = set()  # companies handed to a worker: their earlier files may be replaced
        self.last_write = 0.0
        self.write_error: DeliveryError | None = None

    def add(self, seq: int, item: Item) -> Item:
        """Record a finished item; a failed refresh of an earlier ``ok`` packet keeps that packet
        listed (when its files are still exactly as listed) with the failure beside it."""
        was = self.earlier.get(item.company_id) if item.company_id and not item.ok else None
        if was is not None and files_verified(was, self.out_dir):
            item = replace(was, input=item.input or was.input, status="ok", error=None, from_earlier_run=True,
                           refresh_error=item.error)
        self.items.append((seq, item))
        self.items.sort(key=lambda t: t[0])
        now = time.monotonic()
        if now - self.last_write >= self.interval:  # a killed run loses at most this much bookkeeping
            self.write(self.listed() + self.waiting(), None, final=False)
            self.last_write = now
        return item

    def listed(self) -> list[Item]:
        return [i for _, i in self.items]

    def waiting(self) -> list[Item]:
        """Earlier packets this run has not reached: listed, so a run killed now leaves them indexed
        (and skippable) instead of dropping them from the folder's manifest."""
        seen = {i.company_id for i in self.listed()} | self.started
        return [replace(i, from_earlier_run=True) for c, i in self.earlier.items() if c not in seen]

    def carried(self) -> list[Item]:
        """Earlier packets this run did not touch (an incremental ``--updated-since`` run builds
        only what changed), whose files are intact and not now another packet's."""
        seen = {i.company_id for i in self.listed()}
        taken = {e.path for i in self.listed() for e in i.entries()}
        return [
            replace(item, from_earlier_run=True) for cid, item in self.earlier.items()
            if cid not in seen and files_intact(item, self.out_dir) and not any(e.path in taken for e in item.entries())
        ]

    def write(self, items: list[Item], leveling: FileEntry | None, *, final: bool) -> None:
        """Rewrite the manifest. During the run a failure is remembered (the records go on, and a
        later write may well succeed); the final write raises it."""
        try:
            manifest = Manifest(items=items, build=self.build, leveling=leveling)
            carry_bids(self.earlier_bids, manifest)
            manifest.acc_filing = carried_acc(self.earlier_acc, manifest)
            write_manifest(self.out_dir, manifest)
        except DeliveryError as exc:
            self.write_error = exc  # reported by the run's end when the final write fails too
            if final:
                raise
        else:
            self.write_error = None
