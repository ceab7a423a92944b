"""Measure FAQ matching: top-1 accuracy (overall, per style, and on the questions marked
``new: true``) and latency per question.

Run from the repository root: ``.venv/bin/python bench/faq.py [--misses]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make `handlers` and `messages` importable

from handlers.qa import QaIndex, QaMatch  # noqa: E402
from messages.plan import Plan, load_plan  # noqa: E402

EVAL_PATH = ROOT / "tests" / "data" / "faq_eval.yaml"


def label(match: QaMatch) -> str:
    """Render a match the way the eval set writes expectations.

    Args:
        match: A matcher result.

    Returns:
        ``"none"``, ``"<section id>"`` or ``"intent:<intent id>"``.
    """
    if match.kind == "none":
        return "none"
    return f"intent:{match.id}" if match.kind == "intent" else str(match.id)


def leave_one_out(plan: Plan) -> tuple[float, list[str]]:
    """Match every YAML example question against an index built without it.

    The eval set was used while tuning; this is a second, less tuned estimate.

    Args:
        plan: The loaded plan.

    Returns:
        Accuracy and the misses as ``"question | expected | got"`` lines.
    """
    items = [*plan.sections, *plan.intents]
    misses, total = [], 0
    for item in items:
        expected = item.id if hasattr(item, "answer") else f"intent:{item.id}"
        for i, question in enumerate(item.questions):
            reduced = dataclasses.replace(
                item, questions=item.questions[:i] + item.questions[i + 1 :]
            )
            swap = {id(item): reduced}
            trimmed = Plan(
                sections=tuple(swap.get(id(s), s) for s in plan.sections),
                intents=tuple(swap.get(id(x), x) for x in plan.intents),
            )
            got = label(QaIndex.build(trimmed).match(question))
            total += 1
            if got != expected:
                misses.append(f"{question} | {expected} | {got}")
    return 1 - len(misses) / total, misses


def main() -> int:
    """Run the benchmark and print the figures; exit code 1 below the targets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument("--loo", action="store_true", help="also run leave-one-out (~10 s)")
    args = parser.parse_args()

    cases = yaml.safe_load(EVAL_PATH.read_text(encoding="utf-8"))
    plan = load_plan()
    started = time.perf_counter()
    index = QaIndex.build(plan)
    build_ms = (time.perf_counter() - started) * 1000
    index.match("khởi động")  # warm-up: first call pays for lazy imports

    timings: list[float] = []
    by_style: dict[str, list[bool]] = defaultdict(list)
    new: list[bool] = []
    support: list[bool] = []
    misses: list[tuple[str, str, str, float]] = []
    for case in cases:
        t0 = time.perf_counter()
        match = index.match(case["q"])
        timings.append((time.perf_counter() - t0) * 1000)
        got = label(match)
        ok = got == str(case["expect"])
        by_style[case["style"]].append(ok)
        if case.get("new"):
            new.append(ok)
        if case.get("support"):
            support.append(ok)
        if not ok:
            misses.append((case["q"], str(case["expect"]), got, match.score))

    hits = sum(ok for oks in by_style.values() for ok in oks)
    accuracy = hits / len(cases)
    quantiles = statistics.quantiles(timings, n=100)
    p50, p95 = statistics.median(timings), quantiles[94]
    print(f"questions: {len(cases)}   index build: {build_ms:.1f} ms")
    print(f"accuracy:  {accuracy:.1%} ({hits}/{len(cases)})")
    for style, oks in sorted(by_style.items()):
        print(f"  {style:<13} {sum(oks) / len(oks):6.1%} ({sum(oks)}/{len(oks)})")
    new_accuracy = sum(new) / len(new) if new else 1.0
    print(f"new (issue 16): {new_accuracy:.1%} ({sum(new)}/{len(new)})")
    if support:
        print(f"support requests: {sum(support) / len(support):.1%} "
              f"({sum(support)}/{len(support)})")
    print(f"latency:   p50 {p50:.2f} ms   p95 {p95:.2f} ms   max {max(timings):.2f} ms")
    if misses and (args.misses or len(misses) <= 15):
        print("misses (question | expected | got | score):")
        for question, expected, got, score in misses:
            print(f"  {question} | {expected} | {got} | {score}")
    if args.loo:
        loo, loo_misses = leave_one_out(plan)
        print(f"leave-one-out over the YAML questions: {loo:.1%}")
        for line in loo_misses if args.misses else ():
            print(f"  {line}")
    return 0 if accuracy >= 0.95 and new_accuracy >= 0.90 and p95 < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
