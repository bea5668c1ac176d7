"""The state machine of one merchant order (payment is a separate dimension).

placed → accepted → packing → ready_for_pickup | out_for_delivery → completed
reject: only from placed. cancel: from placed, accepted, packing (before handover), idempotent.
Goods leave the shop at ready/out_for_delivery, so nothing after packing can be cancelled: refunds then."""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    PLACED = "placed"
    ACCEPTED = "accepted"
    PACKING = "packing"
    READY_FOR_PICKUP = "ready_for_pickup"
    OUT_FOR_DELIVERY = "out_for_delivery"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Transition(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    START_PACKING = "start_packing"
    PACK = "pack"  # records quantities and weights; ends in ready_for_pickup or out_for_delivery
    HAND_OVER = "hand_over"  # picked up or delivered
    CANCEL = "cancel"


S = OrderState
_ALLOWED: dict[Transition, tuple[frozenset[OrderState], OrderState | None]] = {
    Transition.ACCEPT: (frozenset({S.PLACED}), S.ACCEPTED),
    Transition.REJECT: (frozenset({S.PLACED}), S.REJECTED),
    Transition.START_PACKING: (frozenset({S.ACCEPTED}), S.PACKING),
    # The target of PACK depends on the fulfilment (pickup or delivery).
    Transition.PACK: (frozenset({S.ACCEPTED, S.PACKING}), None),
    Transition.HAND_OVER: (frozenset({S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY}), S.COMPLETED),
    Transition.CANCEL: (frozenset({S.PLACED, S.ACCEPTED, S.PACKING}), S.CANCELLED),
}

# Orders whose stock is still committed and that a person still waits for.
OPEN_STATES = frozenset({S.PLACED, S.ACCEPTED, S.PACKING, S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY})
# Stock can go back on the shelf only before the goods left it.
RESTOCKABLE_STATES = frozenset({S.PLACED, S.ACCEPTED, S.PACKING})


class InvalidTransition(ValueError):
    def __init__(self, state: OrderState, transition: Transition) -> None:
        super().__init__(f"cannot {transition.value} an order that is {state.value}")
        self.state = state
        self.transition = transition


def sources(transition: Transition) -> frozenset[OrderState]:
    return _ALLOWED[transition][0]


def next_state(state: OrderState, transition: Transition, *, fulfilment: str = "pickup") -> OrderState:
    allowed, target = _ALLOWED[transition]
    if state not in allowed:
        raise InvalidTransition(state, transition)
    if target is None:
        return S.OUT_FOR_DELIVERY if fulfilment == "delivery" else S.READY_FOR_PICKUP
    return target
