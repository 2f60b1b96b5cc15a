"""What everyone may see of an item changed: the apps that own it say so; the apps above that keep copies hear it.

An app that publishes, unpublishes, edits or hides something (reviews, comments, videos, guides) calls
`visibility_changed(kind=..., pk=...)` inside the transaction that made the change, from the one service that
made it. Apps above it that keep a derived copy of public text (search) register a listener when they start.
The owners cannot import those apps (DESIGN rule 3: layers import downward), and Django signals are not used for
workflow (rule 2): this is an explicit call in the service, and the listener runs in the same transaction, so a
listener that removes a copy removes it in the very transaction that unpublished the item (a rollback keeps
both). Listeners must be cheap: queue slow work with `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal
from uuid import UUID

Kind = Literal["guide", "review", "comment", "video"]
ItemId = int | str | UUID
Listener = Callable[[Kind, ItemId], None]

_listeners: list[Listener] = []


def register_visibility_listener(listener: Listener) -> None:
    """Called once per process by an app's AppConfig.ready(); registering twice is harmless."""
    if listener not in _listeners:
        _listeners.append(listener)


def visibility_changed(*, kind: Kind, pk: ItemId) -> None:
    """Tell the listeners that what everyone sees of item `pk` of `kind` may have changed."""
    for listener in _listeners:
        listener(kind, pk)
