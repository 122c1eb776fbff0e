"""AWS Budgets updates and subscribers (moto 5.2 can create and delete budgets and notifications,
but not update a budget or list a notification's subscribers)."""

from __future__ import annotations

from moto.budgets.models import budgets_backends
from moto.core.utils import unix_time

from .base import ACCOUNT_ID, Extension, error


def _not_found(what: str):
    return error(400, "NotFoundException", what)


class BudgetUpdates(Extension):
    def reset(self) -> None:
        """State lives in moto's own Budgets backend."""

    def routes(self) -> dict:
        ops = [
            "UpdateBudget",
            "DescribeSubscribersForNotification",
            "CreateSubscriber",
            "DeleteSubscriber",
        ]
        return {("budgets", op): getattr(self, "_" + op) for op in ops}

    @staticmethod
    def _budget(body):
        budgets = budgets_backends[ACCOUNT_ID]["aws"].budgets[body.get("AccountId", ACCOUNT_ID)]
        name = body.get("BudgetName") or (body.get("NewBudget") or {}).get("BudgetName")
        return budgets.get(name)

    def _UpdateBudget(self, req):
        body = req.json()
        budget = self._budget(body)
        if budget is None:
            return _not_found("Unable to update budget - the budget doesn't exist.")
        new = dict(body["NewBudget"])
        with self.lock:
            new.setdefault("TimePeriod", budget.budget.get("TimePeriod"))
            new["LastUpdatedTime"] = unix_time()
            budget.budget = new
        return 200, {}

    def _notification(self, req):
        body = req.json()
        budget = self._budget(body)
        if budget is None:
            return None, _not_found("Unable to find the budget.")
        for notification in budget.notifications:
            if notification.details == body.get("Notification"):
                return notification, None
        return None, _not_found("Unable to find the notification.")

    def _DescribeSubscribersForNotification(self, req):
        notification, failure = self._notification(req)
        if failure:
            return failure
        return 200, {"Subscribers": list(notification.subscribers)}

    def _CreateSubscriber(self, req):
        notification, failure = self._notification(req)
        if failure:
            return failure
        subscriber = req.json()["Subscriber"]
        with self.lock:
            if subscriber in notification.subscribers:
                return error(400, "DuplicateRecordException", "Subscriber already exists.")
            notification.subscribers.append(subscriber)
        return 200, {}

    def _DeleteSubscriber(self, req):
        notification, failure = self._notification(req)
        if failure:
            return failure
        subscriber = req.json()["Subscriber"]
        with self.lock:
            if subscriber not in notification.subscribers:
                return _not_found("Unable to find the subscriber.")
            notification.subscribers.remove(subscriber)
        return 200, {}
