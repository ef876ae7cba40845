"""Alerts in words: an outbox row's kind and facts -> the Slack message people see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.alerts.kinds import AlertKind, parse_iso
from bot.messages import MSG
from handlers.blocks import MESSAGE_BLOCK_LIMIT, Block, context, line_sections, section
from handlers.commands import Reply
from handlers.formatting import duration, slack_date
from handlers.mrkdwn import escaped

Facts = dict[str, Any]

BAR_WIDTH = 10
# More objects than this and the progress message packs them into fewer sections.
_OBJECT_SECTIONS = MESSAGE_BLOCK_LIMIT - 10


def alert_message(kind: str, facts: Facts) -> Reply:
    """The text and blocks of one alert.

    Facts quote Salesforce (the org's name, its error messages, field names) and the
    database: every string in them is escaped here, once, so no renderer below can forget.
    """
    return Reply.of(_RENDERERS[AlertKind(kind)](escaped(facts)))


def plural(count: int, words: tuple[str, str]) -> str:
    """``1 record``, ``3 records``."""
    return f"{count:,} {words[0] if count == 1 else words[1]}"


def _when(text: str | None) -> str:
    when = parse_iso(text)
    return slack_date(when) if when else "—"


def _who(facts: Facts) -> str:
    return f"<@{facts['user']}>" if facts.get("user") else MSG.alert_someone


def _object_lines(objects: Sequence[Sequence[Any]]) -> list[str]:
    return [MSG.alert_object_rows.format(object=name, rows=plural(rows, MSG.alert_records_word))
            for name, rows in objects]


def _rows_sentence(objects: Sequence[Sequence[Any]]) -> str:
    return ", ".join(f"{name} {rows:,}" for name, rows in objects)


def _failed(facts: Facts) -> list[Block]:
    kind = facts.get("failure_kind") or "internal"
    headline = MSG.alert_failed_other_kind if facts.get("other_kind") else MSG.alert_failed
    if kind == "refused" and facts.get("field"):
        advice = MSG.alert_advice_refused_field.format(field=facts["field"])
    else:
        advice = MSG.failure_advice.get(kind, MSG.failure_advice["internal"])
    since = _when(facts.get("since"))
    blocks = [section(headline.format(what=MSG.alert_what.get(kind, MSG.alert_what["internal"])))]
    if facts.get("error"):
        blocks.append(section(MSG.alert_failure_words.format(error=facts["error"])))
    blocks.append(section(MSG.alert_todo.format(advice=advice)))
    lines = [
        MSG.alert_failing_since.format(since=since, last_ok=_when(facts["last_ok"])) if facts.get("last_ok")
        else MSG.alert_failing_since_never.format(since=since)
    ]
    if kind in ("quota", "request_limit") and facts.get("api_max"):
        lines.append(MSG.alert_api_usage.format(used=f"{facts['api_used'] or 0:,}", max=f"{facts['api_max']:,}"))
    return blocks + [context(line) for line in lines]


def _still_failing(facts: Facts) -> list[Block]:
    cycles = int(facts.get("cycles") or 0)
    return [section(MSG.alert_still_failing.format(
        since=_when(facts.get("since")), cycles=f"{cycles:,}",
        cycles_word=MSG.alert_cycles_word[0 if cycles == 1 else 1], error=facts.get("error") or "",
    ))]


def _recovered(facts: Facts) -> list[Block]:
    since, until = parse_iso(facts.get("since")), parse_iso(facts.get("until"))
    down = (until - since).total_seconds() if since and until else 0
    objects = facts.get("objects") or []
    rows = MSG.alert_recovered_rows.format(rows=_rows_sentence(objects)) if objects else MSG.alert_recovered_nothing
    return [section(MSG.alert_recovered.format(downtime=duration(down))), context(rows)]


def _record_errors(facts: Facts) -> list[Block]:
    count = int(facts["count"])
    lines = [MSG.alert_record_error_line.format(count=n, where=where, message=message)
             for n, where, message in facts.get("top") or []]
    return [
        section(MSG.alert_record_errors.format(
            count=f"{count:,}", records_word=MSG.alert_records_word[0 if count == 1 else 1],
            when=_when(facts.get("when")),
        )),
        *line_sections(lines),
        context(MSG.alert_record_errors_more),
    ]


def _lagging(facts: Facts) -> list[Block]:
    if facts.get("first_load"):
        return [section(MSG.alert_lagging_first_load.format(duration=duration(facts["seconds"])))]
    return [
        section(MSG.alert_lagging.format(duration=duration(facts["seconds"]), intervals=facts["intervals"])),
        context(MSG.alert_lag_last_ok.format(when=_when(facts.get("last_ok")))),
    ]


def _caught_up(facts: Facts) -> list[Block]:
    return [section(MSG.alert_caught_up.format(duration=duration(facts["seconds"])))]


def _initial_load(facts: Facts) -> list[Block]:
    objects = facts.get("objects") or []
    total = sum(rows for _name, rows in objects)
    headline = section(MSG.alert_initial_load.format(
        duration=duration(facts["seconds"]), total=f"{total:,}",
        records_word=MSG.alert_records_word[0 if total == 1 else 1],
    ))
    # The live progress message above ends with every object's rows: not said twice.
    return [headline] if facts.get("live") else [headline, *line_sections(_object_lines(objects))]


def progress_bar(fraction: float | None) -> str:
    """``█████░░░░░  52%``; an unknown fraction leaves the bar empty and the percent out."""
    if fraction is None:
        return "░" * BAR_WIDTH + "    –"
    fraction = min(max(fraction, 0.0), 1.0)
    filled = int(fraction * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {int(fraction * 100):>3}%"


def _fraction(item: Facts) -> float | None:
    if item["state"] == "done":
        return 1.0
    expected = item.get("expected")
    if not expected or item["state"] in ("waiting", "preparing"):
        return None
    # Only a finished read is 100%: the row count it started with is Salesforce's estimate.
    return min(item["done"] / expected, 0.99)


def _progress_detail(item: Facts) -> str:
    state, done, expected = item["state"], f"{item['done']:,}", item.get("expected")
    if state == "done":
        return MSG.progress_object_done.format(done=done)
    if state == "failed":
        return MSG.progress_object_failed.format(done=done)
    if state == "interrupted":
        return MSG.progress_object_stopped.format(done=done)
    if state == "preparing":
        return MSG.progress_preparing
    if state == "waiting":
        return MSG.progress_waiting_after.format(done=done) if item["done"] else MSG.progress_waiting
    if expected is None:
        return MSG.progress_counting.format(done=done)
    detail = MSG.progress_running_rows.format(done=done, expected=f"{expected:,}")
    if item.get("rate"):
        detail += MSG.status_progress_rate.format(rate=item["rate"])
    if item.get("left"):  # "about 0 s left" says nothing while the last batch commits
        detail += MSG.status_progress_left.format(left=duration(item["left"]))
    return detail


def _progress_object(item: Facts) -> str:
    method = MSG.method_names.get(item.get("method") or "", "")
    return MSG.progress_object.format(
        object=item["name"], method=MSG.progress_method.format(method=method) if method else "",
        bar=progress_bar(_fraction(item)), detail=_progress_detail(item),
    )


def _load_progress(facts: Facts) -> list[Block]:
    objects = facts.get("objects") or []
    state, rows = facts["state"], f"{sum(item['done'] for item in objects):,}"
    began = _when(facts.get("began"))
    if state == "succeeded":
        blocks = [section(MSG.progress_done.format(total=len(objects)))]
        note = MSG.progress_finished.format(began=began, finished=_when(facts.get("finished")))
    elif state == "running":
        done = sum(1 for item in objects if item["state"] == "done")
        blocks = [section(MSG.progress_running.format(done=done, total=len(objects), rows=rows))]
        note = MSG.progress_began.format(began=began)
    else:
        blocks = [section(MSG.progress_stopped.format(rows=rows))]
        if facts.get("error"):
            blocks.append(section(MSG.alert_failure_words.format(error=facts["error"])))
        note = MSG.progress_began_stopped.format(began=began)
    lines = [_progress_object(item) for item in objects]
    blocks += [section(line) for line in lines] if len(lines) <= _OBJECT_SECTIONS else line_sections(lines)
    return [*blocks, context(note)]


def _digest(facts: Facts) -> list[Block]:
    objects = facts.get("objects") or []
    total = sum(rows for _name, rows in objects)
    errors = facts.get("errors") or []
    lines = [
        MSG.alert_digest_cycles.format(runs=f"{facts['runs']:,}", failed=f"{facts['failed']:,}"),
        MSG.alert_digest_records.format(total=f"{total:,}") if total else MSG.alert_digest_no_records,
        *(_object_lines(objects) if total else []),
        MSG.alert_digest_errors.format(errors=", ".join(
            MSG.alert_digest_error_kind.format(count=f"{count:,}", kind=kind) for kind, count in errors
        )) if errors else MSG.alert_digest_no_errors,
    ]
    repairs = facts.get("repairs") or []
    if repairs:
        lines.append(MSG.alert_digest_repairs.format(counts=", ".join(
            plural(int(count), MSG.repair_counts[name]) for name, count in repairs if name in MSG.repair_counts
        )))
    calls = f"{facts.get('api_calls') or 0:,}"
    if facts.get("api_max"):
        used, most = int(facts.get("api_used") or 0), int(facts["api_max"])
        lines.append(MSG.alert_digest_api.format(
            calls=calls, used=f"{used:,}", max=f"{most:,}", percent=round(100 * used / most)
        ))
    else:
        lines.append(MSG.alert_digest_api_unknown.format(calls=calls))
    return [section(MSG.alert_digest.format(until=_when(facts.get("until")))), *line_sections(lines)]


def _drift(facts: Facts) -> list[Block]:
    added, removed = facts.get("added") or [], facts.get("removed") or []
    lines: list[str] = []
    if added:
        its, was = MSG.alert_drift_added_words[0 if len(added) == 1 else 1]
        lines.append(MSG.alert_drift_added.format(
            fields=", ".join(name for name, _column in added), its=its, was=was,
            columns=", ".join(f"`{column}`" for _name, column in added),
            rows=plural(int(facts.get("backfilled") or 0), MSG.alert_rows_word)))
    if removed:
        its, keeps = MSG.alert_drift_removed_words[0 if len(removed) == 1 else 1]
        lines.append(MSG.alert_drift_removed.format(
            fields=", ".join(name for name, _column in removed), its=its, keeps=keeps,
            columns=", ".join(f"`{column}`" for _name, column in removed)))
    lines += [str(message) for message in facts.get("other") or []]
    if facts.get("pause_days") is not None:
        lines.append(MSG.reconciled_after_pause.format(days=facts["pause_days"]))
    purged, repaired = int(facts.get("purged") or 0), int(facts.get("repaired") or 0)
    if purged or repaired:
        lines.append(MSG.alert_drift_repaired.format(purged=plural(purged, MSG.alert_drift_purged_words),
                                                     repaired=plural(repaired, MSG.alert_drift_repaired_words)))
    if facts.get("formulas"):
        lines.append(MSG.alert_drift_formulas.format(formulas=f"{int(facts['formulas']):,}"))
    fields_changed = added or removed or facts.get("other")
    return [section(MSG.alert_drift if fields_changed else MSG.alert_drift_reconciled), *line_sections(lines)]


def _channel_broken(facts: Facts) -> list[Block]:
    error = str(facts.get("error") or "")
    if facts.get("first"):
        meaning = MSG.alert_channel_errors.get(error, MSG.alert_channel_error_other)
        intro = MSG.alert_channel_broken.format(channel=facts["channel"], error=error, meaning=meaning)
    else:
        intro = MSG.alert_channel_broken_again.format(channel=facts["channel"], error=error)
    return [context(intro), *_RENDERERS[AlertKind(facts["alert_kind"])](facts["alert_facts"])]


def _said(template: str) -> Callable[[Facts], list[Block]]:
    return lambda facts: [section(template.format(who=_who(facts), **{k: v for k, v in facts.items() if k != "user"}))]


_RENDERERS: dict[AlertKind, Callable[[Facts], list[Block]]] = {
    AlertKind.FAILED: _failed,
    AlertKind.STILL_FAILING: _still_failing,
    AlertKind.RECOVERED: _recovered,
    AlertKind.RECORD_ERRORS: _record_errors,
    AlertKind.LAGGING: _lagging,
    AlertKind.CAUGHT_UP: _caught_up,
    AlertKind.STARTED: _said(MSG.alert_started),
    AlertKind.INITIAL_LOAD: _initial_load,
    AlertKind.PAUSED: _said(MSG.alert_paused),
    AlertKind.RESUMED: _said(MSG.alert_resumed),
    AlertKind.CREDENTIALS_CHANGED: _said(MSG.alert_credentials_changed),
    AlertKind.DIGEST: _digest,
    AlertKind.CHANNEL_BROKEN: _channel_broken,
    AlertKind.LOAD_PROGRESS: _load_progress,
    AlertKind.DRIFT: _drift,
}
