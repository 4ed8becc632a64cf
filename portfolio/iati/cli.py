"""`flask iati validate FILE`, `flask iati import FILE`, `flask iati export FILE`."""
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

iati = AppGroup("iati", help="IATI 2.03: validate, import and export activity files.")


@iati.command("validate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def validate_command(path, as_json):
    """Check an activities (or organisation) file against the IATI 2.03 XSD and the IATI Validator's rules that
    apply; exit 1 if any error is found (warnings alone exit 0)."""
    import json

    from portfolio.iati.validation import validate

    report = validate(path)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for finding in report.findings:
            where = f" line {finding.line}" if finding.line else ""
            detail = f" ({finding.detail})" if finding.detail else ""
            click.echo(f"{finding.severity:8} {finding.id:8} {finding.identifier or '-'} {finding.xpath}{where}: "
                       f"{finding.message}{detail}")
        click.echo(f"{report.kind or 'unknown file'}: {report.records} record(s), {len(report.errors)} error(s), "
                   f"{len(report.warnings)} warning(s).")
    if report.errors:
        sys.exit(1)


@iati.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--region", default=None, help="IOM region code of new projects whose activity states none.")
@click.option("--actor", default="cli", show_default=True, help="Who imports (recorded in history with the file).")
def import_command(path, region, actor):
    """Import an IATI 2.03 activities file, all or nothing (see docs/iati.md)."""
    from portfolio.errors import Invalid
    from portfolio.extensions import db
    from portfolio.iati.importer import import_file

    try:
        result = import_file(path, filename=Path(path).name, actor=actor, region=region)
    except Invalid as exc:
        db.session.rollback()
        for error in exc.errors[:50]:
            click.echo(f"{error.get('identifier', '-')} {error['pointer']}: {error['message']}", err=True)
        raise click.ClickException(exc.detail) from exc
    db.session.commit()
    for item in result["not_taken"][:50]:
        click.echo(f"not taken: {item['identifier']} {item['pointer']}: {item['reason']}")
    if len(result["not_taken"]) > 50:
        click.echo(f"... and {len(result['not_taken']) - 50} more elements not taken.")
    click.echo(f"{result['activities']} activities: {result['created']} created, {result['updated']} updated, "
               f"{result['unchanged']} unchanged; {len(result['organisations_created'])} organisations created; "
               f"{len(result['not_taken'])} elements not taken.")


@iati.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--synthetic/--no-synthetic", default=None, help="Only synthetic, or only real, projects.")
def export_command(path, synthetic):
    """Write the activities file of every project (or only synthetic / real ones) to PATH, streamed."""
    from portfolio.iati.export import report, stream

    args = {} if synthetic is None else {"synthetic": synthetic}
    with open(path, "wb") as handle:
        for chunk in stream(args):
            handle.write(chunk)
    summary = report(args)
    click.echo(f"{summary['published']} activities written; {summary['left_out_count']} projects left out "
               "(GET /api/v1/iati/report says why).")
