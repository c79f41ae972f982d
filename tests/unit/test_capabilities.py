"""Every operation the API cannot do has an entry that explains why and what to do instead."""

import pytest

from app.core.capabilities import XMLRPC_CAPABILITIES, CapabilityRegistry, Op


@pytest.mark.parametrize("op", list(Op))
def test_every_op_is_refused_over_xmlrpc_with_reason_and_workaround(op: Op) -> None:
    reg = CapabilityRegistry()
    cap = reg.get(op)
    assert cap is not None and not reg.allowed(op)
    assert cap.explanation.endswith(".") and len(cap.explanation) > 20
    assert cap.workaround and cap.workaround not in cap.explanation
    assert reg.explain(op) == f"{cap.explanation} {cap.workaround}"


def test_registry_covers_every_op() -> None:
    assert set(XMLRPC_CAPABILITIES) == set(Op)


def test_a_later_backend_can_allow_some() -> None:
    rest = CapabilityRegistry().with_allowed(Op.DELETE_TAG, Op.DELETE_TAG_CATEGORY)
    assert rest.allowed(Op.DELETE_TAG) and rest.allowed(Op.DELETE_TAG_CATEGORY)
    assert not rest.allowed(Op.EDIT_ORDER_ITEM)
    assert not CapabilityRegistry().allowed(Op.DELETE_TAG)  # the original is unchanged


def test_specific_wording() -> None:
    reg = CapabilityRegistry()
    assert "web form" in reg.explain(Op.OPT_IN_AGAIN)
    assert "Retire" in reg.explain(Op.DELETE_TAG)
    assert "SSN" in reg.explain(Op.READ_SSN_FIELD)
