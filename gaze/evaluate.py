"""Score the gaze engine where it was not trained: `python -m gaze.evaluate` (default weights).

    held-out domain   leave-one-domain-out: models/lodo/without-<family>.pt, each trained without one
                      family of appearance, scored on that family (the headline: no model saw it)
    photo composites  whole webcam frames through GazeEstimator: a photograph never trained on, its
                      eyes repainted with known gaze, turned up to +-30 degrees, blinking
    synthetic heads   whole frames of the 2-D renderer's heads (gaze.synth.face), turned
    in-distribution   new samples of the training families (other seeds)

Angular errors are raw and "calibrated": after one affine map per population from the predicted
(yaw, pitch) to the true one, as a per-user calibration would remove a constant offset and scale.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from .geometry import angular_error, vector_to_angles
from .model import BLINK_OPENNESS, GazeNet, load_checkpoint, standardise, unscale
from .synth.pairs import FAMILIES, Pairs, make_pairs

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "models" / "gaze_cnn.pt"
LODO = ROOT / "models" / "lodo"
EVAL_SEED = 424242  # training uses seed 0 (gaze.train.TRAIN_SEED)
OPEN_FOR_GAZE = 0.45  # gaze and pupil are scored on eyes at least this open
BARS = {"held_out_domain_calibrated_deg": 3.0, "photo_calibrated_deg": 4.0, "blink_f1": 0.9,
        "pupil_mae_mm": 0.5, "coverage": 0.98}


@torch.inference_mode()
def predict(model: GazeNet, p: Pairs, batch: int = 256) -> np.ndarray:
    """Return (N, 11) predictions for pairs."""
    outs = [model(standardise(p.images[i:i + batch]), torch.from_numpy(p.head[i:i + batch]))
            for i in range(0, len(p.images), batch)]
    return unscale(torch.cat(outs))


def f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Return the F1 score of boolean predictions."""
    tp = float(np.sum(truth & pred))
    denom = float(np.sum(truth) + np.sum(pred))
    return 2 * tp / denom if denom else 1.0


def affine_calibrated(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Fit true ~ A [pred, 1] over a population (N, 2 angles); return the fitted predictions."""
    X = np.column_stack([pred, np.ones(len(pred))])
    A, *_ = np.linalg.lstsq(X, true, rcond=None)
    return X @ A


def angle_scores(pred: np.ndarray, true: np.ndarray) -> dict:
    """Return raw and calibrated mean / median angular errors of (N, 2) yaw-pitch predictions."""
    raw = angular_error(pred[:, 0], pred[:, 1], true[:, 0], true[:, 1])
    cal_pred = affine_calibrated(pred, true)
    cal = angular_error(cal_pred[:, 0], cal_pred[:, 1], true[:, 0], true[:, 1])
    return {"raw_deg": round(float(raw.mean()), 2), "raw_median_deg": round(float(np.median(raw)), 2),
            "calibrated_deg": round(float(cal.mean()), 2), "calibrated_median_deg": round(float(np.median(cal)), 2)}


def score_pairs(pred: np.ndarray, p: Pairs) -> dict:
    """Score predictions on pairs: each open eye's gaze in its normalised camera, pupil, openness, blinks."""
    ok = p.openness >= OPEN_FOR_GAZE
    pg = np.stack([pred[:, 0:2], pred[:, 2:4]], 1)[ok]
    both = ok.all(1)
    return {"n": int(len(p.images)), "eyes_scored": int(ok.sum()), **angle_scores(pg, p.gaze[ok]),
            "pupil_mae_mm": round(float(np.abs(pred[both, 10] - p.pupil[both]).mean() * 11.7), 3),
            "openness_mae": round(float(np.abs(pred[:, 4:6] - p.openness).mean()), 3),
            "blink_f1": round(f1((p.openness < BLINK_OPENNESS).ravel(), (pred[:, 4:6] < BLINK_OPENNESS).ravel()), 3)}


def pair_sets(n: int) -> dict:
    """Return the evaluation pairs of every family (seeds training never uses), cached in var/."""
    from .train import CACHE

    sets = {}
    for name, family, photos in (("patch", "patch", None), ("ray", "ray", None), ("photo", "photo", None),
                                 ("photo_held_out_face", "photo", ("astronaut",))):
        path = CACHE / f"eval-{name}-{n}.npz"
        if path.exists():
            with np.load(path) as z:
                sets[name] = Pairs(*(z[k] for k in ("images", "head", "gaze", "iris", "pupil", "openness")))
            continue
        sets[name] = make_pairs(n, family, [EVAL_SEED, FAMILIES.index(family)], photos=photos)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **{k: getattr(sets[name], k) for k in ("images", "head", "gaze", "iris", "pupil", "openness")})
    return sets


def composite_frames(n: int, seed: int = EVAL_SEED, photo: str = "astronaut", max_turn: float = 45.0):
    """Yield (jpeg, truth) whole webcam frames of a photograph with repainted eyes."""
    from .synth.pairs import person_ray, random_pupil_openness
    from .synth.photos import composite_frame, find_face, place, random_gazes, random_placement
    from .landmarks import FaceLandmarker

    rng = np.random.default_rng(seed)
    lm = FaceLandmarker(tracking=False)
    made = 0
    while made < n:
        face = find_face(place(photo, random_placement(rng, max_turn), lm), lm)
        gazes = random_gazes(face, rng) if face is not None else None
        if gazes is None:
            continue
        person = person_ray(rng)
        pupil, o0, o1 = random_pupil_openness(rng)
        frame = composite_frame(face, gazes, pupil, (o0, o1), person, rng)
        g = gazes[0] + gazes[1]
        truth = {"angles": vector_to_angles(g), "pupil_mm": pupil * 2 * person["iris_r"],
                 "openness": (o0 + o1) / 2, "head_yaw": face.pose.angles()[0]}
        yield cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.uniform(70, 95))])[1].tobytes(), truth
        made += 1
    lm.close()


def head_frames(n: int, seed: int = EVAL_SEED):
    """Yield (jpeg, truth) frames of the 2-D renderer's heads, turned up to +-30 degrees."""
    from dataclasses import replace

    from .synth.clip import default_face
    from .synth.face import render_face

    rng = np.random.default_rng(seed)
    for i in range(n):
        f = default_face(int(rng.integers(1000)))
        o = rng.uniform(0.0, 0.15) if rng.random() < 0.15 else rng.uniform(0.6, 1.0)
        eye = replace(f.eye, yaw=rng.uniform(-25, 25), pitch=rng.uniform(-18, 15), pupil_mm=rng.uniform(2.5, 7.0),
                      openness=o)
        f = replace(f, eye=eye, head_yaw=rng.uniform(-30, 30), head_roll=rng.normal(0, 5),
                    cx=320 + rng.uniform(-80, 80), cy=200 + rng.uniform(-40, 40), px_per_mm=rng.uniform(1.1, 1.6))
        img = render_face(f, rng)
        truth = {"angles": (eye.yaw, eye.pitch), "pupil_mm": eye.pupil_mm, "openness": o, "head_yaw": f.head_yaw}
        yield cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes(), truth


def score_frames(weights: str, frames) -> dict:
    """Run GazeEstimator (a fresh face search per frame) on whole frames and score it."""
    from .estimator import GazeEstimator

    est = GazeEstimator(weights, torch.device("cpu"), tracking=False)
    rows, ms = [], []
    for jpeg, truth in frames:
        s = est.estimate_jpeg(jpeg)
        ms.append(est.timings["total"])
        rows.append((s, truth))
    est.close()
    found = [(s, t) for s, t in rows if s is not None]
    opened = [(s, t) for s, t in found if t["openness"] >= OPEN_FOR_GAZE]
    pred = np.array([(s.yaw, s.pitch) for s, _ in opened])
    true = np.array([t["angles"] for _, t in opened])
    geo = np.array([s.extra["geometric"] for s, _ in opened])
    turned = [t for _, t in rows if abs(t["head_yaw"]) > 15]
    return {"frames": len(rows), "coverage": round(len(found) / len(rows), 4),
            "coverage_turned_15_30": round(sum(1 for s, t in rows if s is not None and abs(t["head_yaw"]) > 15)
                                           / max(1, len(turned)), 4),
            **angle_scores(pred, true), "geometric_baseline": angle_scores(geo, true),
            "pupil_mae_mm": round(float(np.mean([abs(s.pupil_mm - t["pupil_mm"]) for s, t in opened])), 3),
            "blink_f1": round(f1(np.array([t["openness"] < BLINK_OPENNESS for _, t in found]),
                                 np.array([s.openness < BLINK_OPENNESS for s, _ in found])), 3),
            "ms_per_frame_median": round(statistics.median(ms), 2)}


def subject_frames(seed: int, photo: str = "astronaut", n_test: int = 12):
    """Yield (jpeg, truth) for one subject: one person, one head placement, looking at the 9 calibration
    targets of the app, then at n_test other points of the default screen."""
    from .calibration import target_layout
    from .geometry import DEFAULT_SCREEN
    from .landmarks import FaceLandmarker
    from .synth.pairs import person_ray
    from .synth.photos import composite_frame, find_face, place, random_placement

    rng = np.random.default_rng(seed)
    lm = FaceLandmarker(tracking=False)
    face = None
    while face is None:
        face = find_face(place(photo, random_placement(rng, 30.0), lm), lm)
    lm.close()
    person, eyes = person_ray(rng), face.pose.eye_centres()
    points = [("calibration", p) for p in target_layout(9)]
    points += [("test", tuple(rng.uniform(0.05, 0.95, 2))) for _ in range(n_test)]
    for segment, (x, y) in points:
        pupil = rng.uniform(2.5, 6.5) / 11.7
        frame = composite_frame(face, [DEFAULT_SCREEN.gaze_to(e, x, y) for e in eyes], pupil, (1.0, 1.0), person, rng)
        g = DEFAULT_SCREEN.gaze_to(eyes.mean(0), x, y)
        truth = {"segment": segment, "target": (x, y), "angles": vector_to_angles(g), "eye": eyes.mean(0),
                 "pupil_mm": pupil * 2 * person["iris_r"]}
        yield cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes(), truth


def score_subjects(weights: str, n_subjects: int = 24, seed: int = EVAL_SEED) -> dict:
    """Calibrate per subject as the app does (9 targets) and score the other points: angular error
    after calibration, per axis screen error, for the CNN and for the geometric baseline."""
    from .calibration import Calibration
    from .estimator import GazeEstimator
    from .geometry import DEFAULT_SCREEN, angles_to_vector

    est = GazeEstimator(weights, torch.device("cpu"), tracking=False)
    errs = {"cnn": [], "geometric": []}
    screen, raw, missed = [], [], 0
    for k in range(n_subjects):
        rows = []
        for jpeg, truth in subject_frames(seed + k):
            s = est.estimate_jpeg(jpeg)
            missed += s is None
            if s is not None:
                geo = DEFAULT_SCREEN.point(s.extra["eye_mm"], angles_to_vector(*s.extra["geometric"]))
                rows.append((truth, s, {"cnn": tuple(s.extra["screen"]), "geometric": geo}))
        for method in errs:
            cal_rows = [(pts[method], t["target"]) for t, _, pts in rows if t["segment"] == "calibration"]
            cal = Calibration.fit([p for p, _ in cal_rows], [t for _, t in cal_rows])
            for truth, s, pts in rows:
                if truth["segment"] != "test":
                    continue
                x, y = cal.map(*pts[method])
                got = DEFAULT_SCREEN.target(x, y) - truth["eye"]
                want = DEFAULT_SCREEN.target(*truth["target"]) - truth["eye"]
                cos = got @ want / np.linalg.norm(got) / np.linalg.norm(want)
                errs[method].append(math.degrees(math.acos(min(1.0, cos))))
                if method == "cnn":
                    screen.append(np.abs(np.array([x, y]) - truth["target"]))
                    raw.append(float(angular_error(s.yaw, s.pitch, *truth["angles"])))
    est.close()
    sc = np.array(screen)
    return {"subjects": n_subjects, "missed_frames": missed,
            "calibrated_deg": round(float(np.mean(errs["cnn"])), 2),
            "calibrated_median_deg": round(float(np.median(errs["cnn"])), 2),
            "calibrated_screen_error": [round(float(v), 4) for v in sc.mean(0)],
            "raw_deg": round(float(np.mean(raw)), 2),
            "geometric_baseline_calibrated_deg": round(float(np.mean(errs["geometric"])), 2)}


SUBJECT = 21  # pairs per subject in the per-subject sets: 9 to calibrate on, 12 to score


def subject_pairs(family: str, n_subjects: int) -> Pairs:
    """Pairs of one family in runs of SUBJECT sharing a person and a camera (cached in var/)."""
    from .train import CACHE

    path = CACHE / f"eval-subjects-{family}-{n_subjects}.npz"
    if path.exists():
        with np.load(path) as z:
            return Pairs(*(z[k] for k in ("images", "head", "gaze", "iris", "pupil", "openness")))
    p = make_pairs(n_subjects * SUBJECT, family, [EVAL_SEED, 8, FAMILIES.index(family)], per_person=SUBJECT)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: getattr(p, k) for k in ("images", "head", "gaze", "iris", "pupil", "openness")})
    return p


def subject_calibrated(pred: np.ndarray, p: Pairs) -> float:
    """Mean angular error after a per-subject, per-eye affine calibration on each subject's 9 calibration
    targets, scored on the subject's other looks."""
    errs = []
    for start in range(0, len(p.images), SUBJECT):
        for k in (0, 1):
            idx = np.arange(start, start + SUBJECT)
            ok = p.openness[idx, k] >= OPEN_FOR_GAZE
            fit, test = idx[:9][ok[:9]], idx[9:][ok[9:]]
            if len(fit) < 4 or not len(test):
                continue
            P, T = pred[:, 2 * k:2 * k + 2], p.gaze[:, k]
            X = np.column_stack([P[fit], np.ones(len(fit))])
            A, *_ = np.linalg.lstsq(X, T[fit], rcond=1e-6)
            got = np.column_stack([P[test], np.ones(len(test))]) @ A
            errs += list(angular_error(got[:, 0], got[:, 1], T[test, 0], T[test, 1]))
    return round(float(np.mean(errs)), 2)


def held_out_domain(n: int, n_subjects: int = 40) -> dict:
    """Score each leave-one-domain-out model on the family it never saw: per population (one affine
    calibration for everyone) and per subject (each person calibrated on 9 gazes, as a user would be)."""
    sets, out = pair_sets(n), {}
    for family in FAMILIES:
        path = LODO / f"without-{family}.pt"
        if not path.exists():
            continue
        model, _ = load_checkpoint(str(path))
        target = "photo_held_out_face" if family == "photo" else family
        out[family] = score_pairs(predict(model, sets[target]), sets[target])
        if family == "photo":  # whole frames of the held-out photograph, calibrated as the app does
            out[family]["subject_calibrated_deg"] = score_subjects(str(path), n_subjects // 2)["calibrated_deg"]
        else:
            subjects = subject_pairs(family, n_subjects)
            out[family]["subject_calibrated_deg"] = subject_calibrated(predict(model, subjects), subjects)
    if out:
        for key in ("raw_deg", "calibrated_deg", "subject_calibrated_deg"):
            out[f"mean_{key}"] = round(float(np.mean([out[f][key] for f in FAMILIES if f in out])), 2)
    return out


def evaluate(weights: str = str(WEIGHTS), n_pairs: int = 1000, n_frames: int = 300) -> dict:
    """Return every figure of the model card."""
    model, meta = load_checkpoint(weights)
    sets = pair_sets(n_pairs)
    res = {"weights": weights, "meta": meta, "held_out_domain": held_out_domain(n_pairs),
           "in_distribution": {k: score_pairs(predict(model, v), v) for k, v in sets.items()}}
    t0 = time.time()
    res["photo_composites"] = score_frames(weights, composite_frames(n_frames))
    res["synthetic_heads"] = score_frames(weights, head_frames(n_frames))
    res["photo_subjects"] = score_subjects(weights)
    res["frames_seconds"] = round(time.time() - t0, 1)
    pc, hd = res["photo_composites"], res["held_out_domain"]
    res["bars"] = {
        "held_out_domain_calibrated<=3": hd.get("mean_calibrated_deg", math.inf) <= BARS["held_out_domain_calibrated_deg"],
        "photo_calibrated<=4": pc["calibrated_deg"] <= BARS["photo_calibrated_deg"],
        "blink_f1>=0.9": pc["blink_f1"] >= BARS["blink_f1"], "pupil_mae<=0.5": pc["pupil_mae_mm"] <= BARS["pupil_mae_mm"],
        "coverage>=0.98": pc["coverage"] >= BARS["coverage"]}
    return res


def main(argv=None) -> None:
    """Print the scores as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", nargs="?", default=str(WEIGHTS))
    ap.add_argument("--pairs", type=int, default=1000, help="pairs per family")
    ap.add_argument("--frames", type=int, default=300, help="whole frames per population")
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    res = evaluate(a.weights, a.pairs, a.frames)
    text = json.dumps(res, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
