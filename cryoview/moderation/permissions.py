"""Who may moderate: the queue, its decisions, the log, the statistics, the spam folder and the comment rules.

The role itself is accounts' (moderators and admins; clinic staff will not be), so the reviews and comments apps
below can ask the same question; pages and API handlers of moderation ask it here. Whose report counts towards
hiding something is not a permission but a weight: moderation.selectors.reporter_trust.
"""

from __future__ import annotations

from cryoview.accounts.permissions import can_moderate

__all__ = ["can_moderate"]
