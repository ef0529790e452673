"""The order saga's services, each with its own ledger, and the consistency check over them.

- :class:`Inventory`: stock on hand per SKU and one reservation per order (held or released).
- :class:`Payments`: customer and merchant balances and an append-only ledger of charges and
  refunds keyed by order.
- :class:`Fulfilment`: one shipment per order (created or cancelled).
- :class:`Orders`: each order's status (PENDING, COMPLETED, CANCELLED).
- :class:`Shop`: the four together, with :meth:`Shop.violations` checking the saga's
  invariants: no order left with inventory held, money taken or a shipment active without being
  completed; every completed order fully paid, reserved and shipped; stock and money conserved;
  no negative balances.

Every operation is idempotent (keyed by order id) because a saga retries steps and compensates
failed steps whose effect may already have happened. Records are never deleted, so a late
duplicate cannot reserve or charge again after a compensation (a tombstone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from labkit.core.validation import check_int
from labkit.workflows.errors import TaskFailed

__all__ = ["Fulfilment", "Inventory", "Order", "Orders", "Payments", "Shop", "Violation"]


@dataclass(frozen=True)
class Order:
    """An order: ``qty`` units of ``sku`` for ``amount_usd`` (whole dollars) by ``customer``.

    >>> Order("o1", "alice", "sku-1", 2, 30).to_dict()["amount_usd"]
    30
    """

    order_id: str
    customer: str
    sku: str
    qty: int
    amount_usd: int

    def __post_init__(self) -> None:
        check_int("qty", self.qty, minimum=1)
        check_int("amount_usd", self.amount_usd, minimum=0)

    def to_dict(self) -> dict[str, object]:
        return {"order_id": self.order_id, "customer": self.customer, "sku": self.sku,
                "qty": self.qty, "amount_usd": self.amount_usd}


class Violation(NamedTuple):
    """One broken invariant: which order (or ``"*"`` for a ledger-wide rule), rule and detail."""

    order_id: str
    rule: str
    detail: str


@dataclass
class Inventory:
    """Stock on hand and reservations.

    >>> inv = Inventory({"sku-1": 5})
    >>> inv.reserve("o1", "sku-1", 2); inv.reserve("o1", "sku-1", 2); inv.on_hand["sku-1"]
    'held'
    'held'
    3
    >>> inv.release("o1"); inv.on_hand["sku-1"]
    'released'
    5
    """

    on_hand: dict[str, int]
    reservations: dict[str, list] = field(default_factory=dict)  # order -> [sku, qty, status]

    def __post_init__(self) -> None:
        self.initial = dict(self.on_hand)

    def reserve(self, order_id: str, sku: str, qty: int) -> str:
        if order_id in self.reservations:  # retry, or a late duplicate after a release
            return self.reservations[order_id][2]
        if sku not in self.on_hand:
            raise TaskFailed("UnknownSku", f"no SKU {sku!r}")
        if self.on_hand[sku] < qty:
            raise TaskFailed("OutOfStock", f"{sku}: {self.on_hand[sku]} on hand, {qty} needed")
        self.on_hand[sku] -= qty
        self.reservations[order_id] = [sku, qty, "held"]
        return "held"

    def release(self, order_id: str) -> str:
        res = self.reservations.get(order_id)
        if res is None:  # nothing was reserved: leave a tombstone so a late reserve is a no-op
            self.reservations[order_id] = [None, 0, "released"]
            return "released"
        if res[2] == "held":
            self.on_hand[res[0]] += res[1]
            res[2] = "released"
        return "released"

    def held(self, order_id: str) -> int:
        res = self.reservations.get(order_id)
        return res[1] if res is not None and res[2] == "held" else 0


@dataclass
class Payments:
    """Balances and a ledger of ``(order_id, kind, amount_usd)`` entries.

    >>> pay = Payments({"alice": 100})
    >>> pay.charge("o1", "alice", 30); pay.charge("o1", "alice", 30); pay.net("o1")
    'charged'
    'charged'
    30
    >>> pay.refund("o1"); pay.balances["alice"], pay.merchant_usd
    'refunded'
    (100, 0)
    """

    balances: dict[str, int]
    merchant_usd: int = 0
    ledger: list[tuple[str, str, int]] = field(default_factory=list)
    customer_of: dict[str, str] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)  # declined or refunded orders

    def __post_init__(self) -> None:
        self.initial_total = sum(self.balances.values()) + self.merchant_usd
        self._net: dict[str, int] = {}
        for oid, kind, amount in self.ledger:
            self._net[oid] = self._net.get(oid, 0) + (amount if kind == "charge" else -amount)

    def _append(self, order_id: str, kind: str, amount: int) -> None:
        self.ledger.append((order_id, kind, amount))
        self._net[order_id] = self._net.get(order_id, 0) + (amount if kind == "charge"
                                                            else -amount)

    def net(self, order_id: str) -> int:
        """Charges minus refunds for ``order_id``, from the ledger."""
        return self._net.get(order_id, 0)

    def charge(self, order_id: str, customer: str, amount_usd: int) -> str:
        if order_id in self.customer_of or order_id in self.closed:
            return "charged" if self.net(order_id) > 0 else "closed"
        if customer not in self.balances:
            raise TaskFailed("UnknownCustomer", f"no customer {customer!r}")
        if self.balances[customer] < amount_usd:
            raise TaskFailed("PaymentDeclined", f"{customer}: insufficient funds")
        self.balances[customer] -= amount_usd
        self.merchant_usd += amount_usd
        self.customer_of[order_id] = customer
        self._append(order_id, "charge", amount_usd)
        return "charged"

    def refund(self, order_id: str) -> str:
        self.closed.add(order_id)
        owed = self.net(order_id)
        if owed > 0:
            self.balances[self.customer_of[order_id]] += owed
            self.merchant_usd -= owed
            self._append(order_id, "refund", owed)
        return "refunded"


@dataclass
class Fulfilment:
    """Shipments: order id -> ``"created"`` or ``"cancelled"``.

    >>> f = Fulfilment(); f.fulfil("o1"); f.cancel("o1"); f.fulfil("o1")
    'created'
    'cancelled'
    'cancelled'
    """

    shipments: dict[str, str] = field(default_factory=dict)

    def fulfil(self, order_id: str) -> str:
        return self.shipments.setdefault(order_id, "created")

    def cancel(self, order_id: str) -> str:
        self.shipments[order_id] = "cancelled"
        return "cancelled"

    def active(self, order_id: str) -> bool:
        return self.shipments.get(order_id) == "created"


@dataclass
class Orders:
    """Order statuses: PENDING when placed, then COMPLETED or CANCELLED.

    >>> o = Orders(); o.place(Order("o1", "a", "s", 1, 5)); o.complete("o1")
    'PENDING'
    'COMPLETED'
    """

    orders: dict[str, Order] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)

    def place(self, order: Order) -> str:
        if order.order_id in self.orders:
            raise ValueError(f"order {order.order_id!r} was already placed")
        self.orders[order.order_id] = order
        self.status[order.order_id] = "PENDING"
        return "PENDING"

    def complete(self, order_id: str) -> str:
        if self.status[order_id] == "CANCELLED":
            raise TaskFailed("OrderCancelled", f"{order_id} was cancelled")
        self.status[order_id] = "COMPLETED"
        return "COMPLETED"

    def cancel(self, order_id: str) -> str:
        self.status[order_id] = "CANCELLED"
        return "CANCELLED"


@dataclass
class Shop:
    """The four services of the order saga; :meth:`violations` checks their ledgers agree.

    >>> shop = Shop.create(stock=10, customers=2, balance_usd=100)
    >>> shop.violations()
    []
    """

    inventory: Inventory
    payments: Payments
    fulfilment: Fulfilment
    orders: Orders

    @classmethod
    def create(cls, *, stock: int = 1000, skus: int = 3, customers: int = 20,
               balance_usd: int = 500) -> Shop:
        check_int("stock", stock, minimum=0)
        check_int("skus", skus, minimum=1)
        check_int("customers", customers, minimum=1)
        check_int("balance_usd", balance_usd, minimum=0)
        return cls(Inventory({f"sku-{i}": stock for i in range(skus)}),
                   Payments({f"customer-{i}": balance_usd for i in range(customers)}),
                   Fulfilment(), Orders())

    def order_violations(self, order_id: str) -> list[Violation]:
        """The broken invariants of one order, read from the four ledgers.

        >>> shop = Shop.create(); _ = shop.orders.place(Order("o1", "customer-0", "sku-0", 1, 5))
        >>> [v.rule for v in shop.order_violations("o1")]
        ['saga-unfinished']
        """
        if order_id not in self.orders.orders:
            raise ValueError(f"order_id {order_id!r} is not an order of this shop")
        out: list[Violation] = []
        oid, order = order_id, self.orders.orders[order_id]
        status = self.orders.status[oid]
        held = self.inventory.held(oid)
        net = self.payments.net(oid)
        shipped = self.fulfilment.active(oid)
        if status == "COMPLETED":
            if held != order.qty:
                out.append(Violation(oid, "completed-not-reserved", f"{held} held"))
            if net != order.amount_usd:
                out.append(Violation(oid, "completed-not-paid", f"net ${net}"))
            if not shipped:
                out.append(Violation(oid, "completed-not-shipped", "no active shipment"))
            return out
        if status == "PENDING":
            out.append(Violation(oid, "saga-unfinished", "order still PENDING"))
        if held:
            out.append(Violation(oid, "inventory-held", f"{held} units held, order {status}"))
        if net:
            out.append(Violation(oid, "money-taken", f"net ${net}, order {status}"))
        if shipped:
            out.append(Violation(oid, "shipment-active", f"order {status}"))
        return out

    def outcome(self, order_id: str) -> str:
        """How an order ended, judged from the ledgers rather than from any step's status:
        ``"completed"`` (completed, reserved, paid and shipped), ``"compensated"`` (cancelled
        with nothing held, taken or shipped) or ``"stuck"`` (anything else).

        >>> shop = Shop.create(); _ = shop.orders.place(Order("o1", "customer-0", "sku-0", 1, 5))
        >>> _ = shop.orders.complete("o1"); shop.outcome("o1")   # completed, but nothing done
        'stuck'
        """
        if self.order_violations(order_id):
            return "stuck"
        return "completed" if self.orders.status[order_id] == "COMPLETED" else "compensated"

    def violations(self) -> list[Violation]:
        """Every broken invariant (empty list when the ledgers are consistent).

        Call it when no saga is in flight: a PENDING order then means a saga that stopped
        half way (for example a compensation that kept failing).
        """
        out: list[Violation] = []
        inv, pay = self.inventory, self.payments
        for oid in self.orders.orders:
            out.extend(self.order_violations(oid))
        for oid in {o for o, _, _ in pay.ledger}:
            if pay.net(oid) < 0:
                out.append(Violation(oid, "over-refunded", f"net ${pay.net(oid)}"))
        for sku, start in inv.initial.items():
            held_total = sum(r[1] for r in inv.reservations.values()
                             if r[0] == sku and r[2] == "held")
            if inv.on_hand[sku] < 0:
                out.append(Violation("*", "negative-stock", f"{sku}: {inv.on_hand[sku]}"))
            if inv.on_hand[sku] + held_total != start:
                out.append(Violation("*", "stock-not-conserved",
                                     f"{sku}: {inv.on_hand[sku]} + {held_total} != {start}"))
        total = sum(pay.balances.values()) + pay.merchant_usd
        if total != pay.initial_total:
            out.append(Violation("*", "money-not-conserved", f"{total} != {pay.initial_total}"))
        for who, balance in pay.balances.items():
            if balance < 0:
                out.append(Violation("*", "negative-balance", f"{who}: {balance}"))
        return out
