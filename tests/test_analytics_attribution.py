"""Attribution's hazard ratio when one group never sees an action (separation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.analytics.attribution import hazard_ratio
from vigil.analytics.dataset import CONTROL, LISTED, AccountRow
from vigil.analytics.events import Course

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _study(
    listed_actions: list[int | None], control_actions: list[int | None]
) -> dict[str, object]:
    accounts: list[AccountRow] = []
    course: dict[str, Course] = {}
    for cohort, actions in ((LISTED, listed_actions), (CONTROL, control_actions)):
        for i, day in enumerate(actions):
            key = f"{cohort}-{i}"
            accounts.append(
                AccountRow(
                    key=key,
                    platform="x",
                    cohort=cohort,
                    identity=key,
                    listed_at=T0 if cohort == LISTED else None,
                    index_at=T0 if cohort == CONTROL else None,
                )
            )
            action = T0 + timedelta(days=day) if day is not None else None
            course[key] = Course(
                first_seen=T0,
                last_seen=T0 + timedelta(days=30),
                action_at=action,
                exit_at=None,
                reinstated=False,
            )
    return hazard_ratio(accounts, course)


def test_actions_in_one_group_only_are_not_estimable() -> None:
    result = _study([1, 2, 3, 4, 5, 6], [None] * 6)
    assert result["hazard_ratio"] is None
    assert result["ci95"] is None
    assert "not estimable" in str(result["note"])


def test_actions_in_both_groups_give_a_ratio_above_one_for_faster_listed() -> None:
    result = _study([1, 1, 2, 2, 3, 4, 5, None], [4, 9, 15, 20, None, None, None, None])
    ratio = result["hazard_ratio"]
    assert isinstance(ratio, float)
    assert ratio > 1
    low, high = result["ci95"]  # type: ignore[misc]
    assert low < ratio < high
