"""The ``verify --json`` object against its shipped JSON Schema (``jsonschema``), and what its band fields mean."""

import copy
import json

import jsonschema
import pytest

from mesatheory import verify
from mesatheory.errors import InputError
from mesatheory.schema import VERIFY_RESULT, schema, validate
from mesatheory.testing import band_holds

SMALL = {"d": 2, "T": 8, "samples": 2048}


@pytest.fixture(scope="module")
def outputs():
    """Real outputs: a law under Assumption 2 (the paper's claims) and one beyond it (the §5 claims)."""
    return [json.loads(json.dumps(verify(law, **SMALL).to_dict(), allow_nan=False))
            for law in ("gaussian", "exponential_centered")]


def test_shipped_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$id"].endswith(VERIFY_RESULT.rsplit("/", 1)[1])


def test_real_outputs_validate(outputs):
    for data in outputs:
        validate(data)
        assert data["schema"] == VERIFY_RESULT


def test_every_decided_claim_has_a_band_and_a_method_id(outputs):
    decided = [c for data in outputs for c in data["claims"] if c["passed"] is not None]
    assert {c["id"] for c in decided} >= {"theorem1.closed_form", "theorem1.monte_carlo", "beyond.leaves_diagonal",
                                         "beyond.not_one_step_gd", "beyond.masked_limit"}
    for c in decided:
        assert c["band"] is not None and c["tolerance"], c["id"]
        assert c["method_id"] != c["id"], c["id"]


def test_bands_say_what_passed_means(outputs):
    """A passing verdict's numbers lie inside its own band, read only from the machine-readable fields."""
    decided_by_numbers = set()
    for data in outputs:
        for c in data["claims"]:
            if c["passed"]:
                assert band_holds(c) is not False, c["id"]
                if band_holds(c):
                    decided_by_numbers.add((c["band"]["kind"], c["band"]["accept"]))
    assert decided_by_numbers >= {("exact", "within"), ("relative", "within"), ("z", "within"), ("relative", "above")}


def test_a_value_moved_out_of_its_band_is_caught(outputs):
    claims = {c["id"]: c for c in outputs[0]["claims"]}
    for cid, factor in [("theorem1.monte_carlo", 6.0), ("theorem1.ode", 2e-8), ("theorem1.closed_form", 1e-15)]:
        c = copy.deepcopy(claims[cid])
        assert band_holds(c) is True
        shift = factor * (c["band"]["se"] or abs(c["expected"]))
        c["measured"] = c["expected"] + shift
        assert band_holds(c) is False, cid


def _set(data, path, value):
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value


@pytest.mark.parametrize("path, value", [
    (("schema",), "mesatheory/verify-result/2"),
    (("claims", 3, "tolerance"), 0.0027),
    (("claims", 3, "band", "kind"), "sigma"),
    (("claims", 3, "band", "band"), -1.0),
    (("claims", 3, "method_id"), KeyError),
    (("claims", 3, "passed"), "yes"),
    (("claims", 5, "band", "se"), -0.1),
    (("claims", 4, "band", "z"), 0.5),
    (("claims", 3, "band"), None),
    (("d",), 0),
    (("kappa", "exact", "k1"), 3),
    (("claims", 0, "surprise"), 1),
])
def test_broken_outputs_do_not_validate(outputs, path, value):
    data = copy.deepcopy(outputs[0])
    _set(data, path, value)
    with pytest.raises(InputError, match="not a valid mesatheory/verify-result/1 object"):
        validate(data)


def test_unknown_schema_name_is_one_line_error():
    with pytest.raises(InputError, match="no schema named"):
        schema("mesatheory/verify-result/0")


def test_a_verdict_with_a_tolerance_in_words_only_is_refused():
    from mesatheory.claims.base import Claim
    with pytest.raises(TypeError, match="must be a Tolerance"):
        Claim("x.y", "s", "m").verdict(1.0, 1.0, "relative 1e-8", True)
