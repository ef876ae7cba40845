"""``/sync duplicates``: people that appear more than once, with links to their records."""

from __future__ import annotations

from bot import duplicates
from bot.duplicates import DuplicateGroup, DuplicateRecord, DuplicateReport
from bot.messages import MSG
from handlers.blocks import Block, context, line_sections, section
from handlers.commands import Invocation, Reply, subcommand
from handlers.files import send_file_privately
from handlers.mrkdwn import escaped

# Emails listed in the answer itself; a longer list comes as a CSV file as well.
SHOWN_GROUPS = 25


@subcommand("duplicates", usage="duplicates", admin=False)
def run_duplicates(inv: Invocation) -> Reply:
    """People that appear more than once (the same email across or within Leads and Contacts)."""
    inv.arguments("duplicates")
    found = duplicates.find(inv.services, inv.team_id)
    report = escaped(found)  # names and emails are record values; the CSV file has them as they are
    if not report.groups:
        return Reply.of([section(MSG.duplicates_none.format(objects=_objects(report.searched))),
                         *_left_out(report)])
    blocks: list[Block] = [
        section(MSG.duplicates_header.format(emails=f"{len(report.groups):,}", records=f"{report.record_count:,}")),
        section(" · ".join(MSG.duplicates_count.format(kind=kind, count=f"{count:,}")
                           for kind, count in report.counts.items())),
        context(MSG.duplicates_count_note),
        *_left_out(report),
        *line_sections([_group_line(group) for group in report.groups[:SHOWN_GROUPS]], budget=40),
    ]
    if len(report.groups) > SHOWN_GROUPS:
        blocks.append(context(MSG.duplicates_more.format(shown=SHOWN_GROUPS, total=f"{len(report.groups):,}")))
        # People's names and emails: the file goes to the person who asked, not to the channel.
        sent = send_file_privately(inv.client, inv.user_id, duplicates.DUPLICATES_CSV_FILENAME,
                                   duplicates.report_csv(found), MSG.duplicates_csv_title)
        blocks.append(section(sent))
    return Reply.of(blocks)


def _group_line(group: DuplicateGroup) -> str:
    return MSG.duplicates_group.format(
        email=group.email, records=", ".join(_record(record) for record in group.records)
    )


def _record(record: DuplicateRecord) -> str:
    name = record.name or MSG.duplicates_no_name
    if record.url:
        # A "|" would end the link text early; Slack shows the look-alike just the same.
        return MSG.duplicates_record_link.format(
            object=record.object_name, url=record.url, name=name.replace("|", "¦"), id=record.record_id
        )
    return MSG.duplicates_record.format(object=record.object_name, name=name, id=record.record_id)


def _left_out(report: DuplicateReport) -> list[Block]:
    return [context(MSG.duplicates_left_out.format(objects=_objects(report.left_out)))] if report.left_out else []


def _objects(names: tuple[str, ...]) -> str:
    plural = [f"{name}s" for name in names]
    if len(plural) < 2:
        return "".join(plural)
    return MSG.objects_and.format(first=", ".join(plural[:-1]), last=plural[-1])
