"""The store's objects refuse bad changes with a clear code, and a refused change changes nothing."""
import pytest

from store import StoreError
from store.recording import Recording
from tests.store.conftest import CHAIN, EFFECTS, begin

GOOD_FIT = {"degree": 1, "use_head": False, "mean": [0.0, 0.0], "std": [1.0, 1.0],
            "coef": [[0.1, 0.0], [0.0, 0.1], [0.5, 0.5]]}
GOOD_REPORT = {"accuracy_px": 40.0, "accuracy_deg": 1.2, "precision_rms_px": 5.0, "precision_rms_deg": 0.2,
               "n_targets": 5}


def code_of(call, *args) -> str:
    with pytest.raises(StoreError) as info:
        call(*args)
    return info.value.code


def test_register_authenticate_and_the_refusals(store):
    accounts = store["accounts"]
    alice = accounts.register("Alice", "correct horse battery")
    assert accounts.authenticate("alice", "correct horse battery") == alice  # names are one in any letter case
    assert code_of(accounts.authenticate, "alice", "wrong password!") == "bad_login"
    assert code_of(accounts.authenticate, "nobody", "correct horse battery") == "bad_login"
    assert code_of(accounts.register, "ALICE", "another password") == "duplicate"
    assert code_of(accounts.register, "x" * 41, "a good password") == "too_long"
    assert code_of(accounts.register, "ab", "a good password") == "too_short"
    assert code_of(accounts.register, "bad name", "a good password") == "invalid"
    assert code_of(accounts.register, "carol", "short") == "too_short"
    assert code_of(accounts.register, "carol", "p" * 129) == "too_long"
    assert code_of(accounts.authenticate, "carol", "a good password") == "bad_login"  # nothing was created


def test_a_new_password_ends_old_sessions(store, alice):
    accounts = store["accounts"]
    assert accounts.load(alice.id, alice.auth_version) == alice
    assert code_of(accounts.change_password, alice.id, "not the password", "a new password") == "bad_login"
    assert accounts.load(alice.id, alice.auth_version) == alice  # refused: unchanged
    changed = accounts.change_password(alice.id, "correct horse battery", "a new password")
    assert accounts.load(alice.id, alice.auth_version) is None and accounts.load(alice.id, changed.auth_version)
    assert accounts.authenticate("alice", "a new password") == changed


def test_tokens_are_kept_as_hashes_and_revoked_by_their_owner_only(store, alice, bob):
    accounts = store["accounts"]
    listing, secret = accounts.issue_token(alice.id, "script")
    assert accounts.by_token(secret) == alice and accounts.by_token(secret + "x") is None
    assert secret not in str(accounts.tokens(alice.id)) and accounts.tokens(bob.id) == []
    assert code_of(accounts.revoke_token, bob.id, listing["id"]) == "not_found"
    assert accounts.by_token(secret) == alice
    accounts.revoke_token(alice.id, listing["id"])
    assert accounts.by_token(secret) is None


@pytest.mark.parametrize("change,code", [
    ({"mean": [0.0, float("nan")]}, "invalid"),
    ({"coef": [[float("inf"), 0.0]]}, "invalid"),
    ({"mean": [0.0] * 2001}, "too_long"),
    ({"degree": {"deep": [[[[1.0]]]]}}, "invalid"),
    ({"note": "x" * 41}, "invalid"),
])
def test_a_calibration_must_be_finite_numbers(store, alice, change, code):
    assert code_of(store["calibrations"].save, alice.id, {**GOOD_FIT, **change}, GOOD_REPORT, 5) == code
    assert code_of(store["calibrations"].save, alice.id, [1.0], GOOD_REPORT, 5) == "invalid"
    assert store["calibrations"].history(alice.id) == []


def test_calibrations_are_kept_with_their_report(store, alice, bob):
    cal = store["calibrations"].save(alice.id, GOOD_FIT, GOOD_REPORT, 5)
    assert code_of(store["calibrations"].save, alice.id, GOOD_FIT, {**GOOD_REPORT, "accuracy_deg": -1}, 5) \
        == "out_of_range"
    assert [c["id"] for c in store["calibrations"].history(alice.id)] == [cal["id"]]
    assert store["calibrations"].get(alice.id)["calibration"] == GOOD_FIT
    assert code_of(store["calibrations"].get, bob.id, cal["id"]) == "not_found"


def test_a_preset_refuses_unknown_effects_and_values(store, alice):
    presets = store["presets"]
    assert code_of(presets.save, alice.id, "p", [{"name": "warp", "enabled": True}], EFFECTS) == "unknown_effect"
    bad = [{"name": "foveate", "enabled": True, "params": {"radius": 9.0}}]
    assert code_of(presets.save, alice.id, "p", bad, EFFECTS) == "out_of_range"
    assert code_of(presets.save, alice.id, "n" * 61, CHAIN, EFFECTS) == "too_long"
    assert presets.list(alice.id)["mine"] == []
    saved = presets.save(alice.id, "reading", CHAIN, EFFECTS)
    assert saved["chain"][0]["params"] == {"radius": 0.2, "strength": 3.0}


def test_shared_presets_are_found_by_name_by_others(store, alice, bob):
    presets = store["presets"]
    mine = presets.save(alice.id, "demo", CHAIN, EFFECTS, shared=True)
    private = presets.save(alice.id, "secret", CHAIN, EFFECTS)
    assert presets.find(bob.id, name="demo")["id"] == mine["id"]
    assert presets.find(bob.id, name="demo")["owner"] == "alice"
    assert code_of(presets.find, bob.id, None, "secret") == "not_found"
    assert code_of(presets.find, bob.id, private["id"]) == "not_found"
    assert [p["name"] for p in presets.list(bob.id)["shared"]] == ["demo"]


def test_a_stopped_recording_takes_no_samples(store, alice):
    rec = begin(store, alice)
    store["recorder"].add(rec.id, {"x": 0.5, "y": 0.5, "source": "mouse"})
    assert store["recorder"].stop(alice.id, rec.id)["samples"] == 1
    assert code_of(store["recorder"].add, rec.id, {"x": 0.5, "y": 0.5}) == "recording_stopped"
    stopped = store["recordings"].get(alice.id, rec.id)
    assert stopped.status == "stopped"
    with pytest.raises(StoreError):
        stopped.take(1, 0)
    with pytest.raises(StoreError):
        stopped.stop()


@pytest.mark.parametrize("sample", [{"x": 1.5, "y": 0.5}, {"x": "left", "y": 0.5}, {"y": 0.5},
                                    {"x": 0.5, "y": 0.5, "source": "telepathy"}, {"x": 0.5, "y": 0.5, "blink": 1},
                                    {"x": 0.5, "y": 0.5, "pupil_mm": float("inf")}])
def test_a_corrupt_sample_refuses_its_whole_batch(store, alice, sample):
    rec = begin(store, alice)
    good = {"x": 0.2, "y": 0.3, "t": 1.0}
    assert code_of(store["recorder"].add_batch, rec.id, [good, {**sample, "t": 2.0}]) == "bad_sample"
    assert store["recorder"].stop(alice.id, rec.id)["samples"] == 0


def test_recording_names_and_frames_are_checked(store, alice):
    rec = begin(store, alice, name="first")
    assert code_of(store["recordings"].rename, alice.id, rec.id, "r" * 121) == "too_long"
    assert code_of(store["recordings"].set_frame_at, alice.id, rec.id, -1) == "out_of_range"
    assert store["recordings"].get(alice.id, rec.id).name == "first"
    assert isinstance(Recording.begin(alice.id, "main", "demo", [2, 2], 30, [], {}).id, str)
