"""``contentapi i18n`` (extract, init, update, compile, stats, check) and ``contentapi tokens`` (add, revoke, list).

The command-line glue of the i18n area (registered by ``init_app``). Every setting comes from
the app's configuration, so the instance file and ``CONTENTAPI_*`` variables mean the same to
the commands as to the server: the translations folder is ``--directory``, else
``TRANSLATIONS_DIR``; content comes from ``CONTENT_DIR``; tokens from ``--file``, else
``TOKENS``. Failures print one line to stderr and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from contentapi.cli import fail
from contentapi.i18n.locales import SUPPORTED_LOCALES, translatable_locale

directory_option = click.option(
    "--directory",
    "-d",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Translations folder (default: CONTENTAPI_TRANSLATIONS_DIR or the repository's translations/).",
)


def translations_folder(directory: Path | None) -> Path:
    """The folder to work on: ``--directory``, else the app's TRANSLATIONS_DIR."""
    return Path(directory or current_app.config["TRANSLATIONS_DIR"])


def content_folder() -> Path:
    """The procedures folder to extract from: the app's CONTENT_DIR."""
    return Path(current_app.config["CONTENT_DIR"])


procedure_option = click.option(
    "--procedure", "-p", default=None, metavar="SLUG",
    help="Only this procedure's catalogs (default: the interface and every procedure).",
)


@click.group("i18n", cls=AppGroup)
def i18n() -> None:
    """Translation catalogs: extract, init, update, check, compile, stats, migrate, pull."""


@i18n.command("extract")
@directory_option
@procedure_option
def extract_command(directory: Path | None, procedure: str | None) -> None:
    """Write the templates: messages.pot (interface) and procedures/<slug>.pot (each procedure)."""
    from contentapi.content import ContentError
    from contentapi.i18n.workflow import WorkflowError, extract

    try:
        paths = extract(translations_folder(directory), content_folder(), procedure)
    except (ContentError, WorkflowError) as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write the template: {error.strerror or error}")
    for path in paths:
        click.echo(f"wrote {path}")


@i18n.command("init")
@click.argument("locale")
@directory_option
@procedure_option
@click.option("--force", is_flag=True, help="Replace existing catalogs (their translations are lost).")
def init_command(locale: str, directory: Path | None, procedure: str | None, force: bool) -> None:
    """Start LOCALE's catalogs from the templates."""
    from contentapi.i18n.workflow import WorkflowError, init

    try:
        paths = init(translations_folder(directory), locale, procedure, force=force)
    except WorkflowError as error:
        fail(str(error), 2 if "not a served locale" in str(error) or "source language" in str(error) else 1)
    for path in paths:
        click.echo(f"created {path}")


@i18n.command("update")
@directory_option
@procedure_option
@click.option("--no-fuzzy-matching", is_flag=True,
              help="Do not carry old translations over to changed English; changed messages become untranslated.")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
def update_command(directory: Path | None, procedure: str | None, no_fuzzy_matching: bool, locales: tuple[str, ...]) -> None:
    """Merge the templates into the catalogs; changed English becomes fuzzy with the previous msgid kept."""
    from contentapi.i18n.workflow import WorkflowError, update

    try:
        written = update(translations_folder(directory), no_fuzzy_matching=no_fuzzy_matching,
                         locales=list(locales) or None, procedure=procedure)
    except WorkflowError as error:
        fail(str(error))
    click.echo(f"updated {len(written)} catalogs")


@i18n.command("compile")
@click.argument("locales", nargs=-1)
@directory_option
@procedure_option
@click.option("--allow-removals", is_flag=True,
              help="Compile a catalog even when it leaves empty messages its .mo translates.")
def compile_command(locales: tuple[str, ...], directory: Path | None, procedure: str | None, allow_removals: bool) -> None:
    """Check and compile catalogs into .mo atomically; a catalog with errors, or one that would lose
    translations its .mo has, is refused (its .mo is kept)."""
    from contentapi.i18n.workflow import WorkflowError, compile_catalogs

    folder = translations_folder(directory)
    try:
        report = compile_catalogs(folder, list(locales) or None, procedure, allow_removals)
    except WorkflowError as error:
        fail(str(error), 2)
    except OSError as error:
        fail(f"cannot write a compiled catalog: {error.strerror or error}")
    for findings in report.refused.values():
        for finding in findings:
            click.echo(finding.format(), err=True)
    click.echo(f"compiled {len(report.compiled)} catalogs in {folder}")
    if report.refused:
        fail(f"refused {', '.join(report.refused)}: fix the errors above (contentapi i18n check)")


@i18n.command("stats")
@directory_option
@procedure_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def stats_command(directory: Path | None, procedure: str | None, as_json: bool) -> None:
    """Per locale: translated, fuzzy, untranslated, stale (English changed) and percent."""
    from contentapi.i18n.workflow import WorkflowError, stats

    try:
        figures = stats(translations_folder(directory), procedure)
    except (WorkflowError, OSError, UnicodeDecodeError) as error:
        fail(str(error))
    if as_json:
        click.echo(json.dumps([item.to_dict() for item in figures], indent=2))
        return
    click.echo(f"{'locale':<8} {'translated':>10} {'fuzzy':>6} {'untranslated':>12} {'stale':>6} {'percent':>8}")
    for item in figures:
        click.echo(
            f"{item.locale:<8} {item.translated:>10} {item.fuzzy:>6} {item.untranslated:>12} {item.stale:>6} {item.percent:>7.1f}%"
        )


@i18n.command("check")
@click.argument("targets", nargs=-1)
@directory_option
@procedure_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--list", "list_checks", is_flag=True, help="List every check id with its severity and exit.")
def check_command(targets: tuple[str, ...], directory: Path | None, procedure: str | None, output_format: str,
                  list_checks: bool) -> None:
    """Check catalogs (every locale, or the LOCALEs and .po FILEs given). Exit 0 clean, 1 errors, 2 usage."""
    from contentapi.i18n.checks import CHECKS, check_po_file, has_errors, locale_from_path, summary
    from contentapi.i18n.domains import catalog_domains, catalog_path

    if list_checks:
        for name, (severity, meaning) in CHECKS.items():
            click.echo(f"{name:<20} {severity:<8} {meaning}")
        return
    folder = translations_folder(directory)
    files: list[tuple[Path, str | None]] = []
    for target in targets or SUPPORTED_LOCALES[1:]:
        code = translatable_locale(target)
        if code is not None and not Path(target).is_file():
            domains = [procedure] if procedure else catalog_domains(folder, code)
            for domain in domains:
                path = catalog_path(folder, code, domain)
                if path.exists() or targets:
                    files.append((path, code))
        elif Path(target).is_file():
            files.append((Path(target), None))
        else:
            raise click.UsageError(f"{target!r} is neither a served locale ({', '.join(SUPPORTED_LOCALES[1:])}) nor a file")
    findings = []
    for path, code in files:
        findings.extend(check_po_file(path, code, termbase_for(folder, code or locale_from_path(path))))
    if output_format == "json":
        document = {"files": [str(path) for path, _ in files], **summary(findings), "findings": [f.to_dict() for f in findings]}
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(finding.format())
        counts = summary(findings)
        click.echo(f"{len(files)} catalogs: {counts['errors']} errors, {counts['warnings']} warnings", err=True)
    sys.exit(1 if has_errors(findings) else 0)


def termbase_for(folder: Path, locale: str | None):
    """A locale's termbase in a translations folder, for the terminology check (None: no check);
    a termbase that cannot be read stops the command in one line."""
    from contentapi.i18n.terms import TermbaseError, load_termbase

    if locale is None:
        return None
    try:
        return load_termbase(folder, locale)
    except (TermbaseError, OSError) as error:
        fail(f"cannot read the termbase: {error}")


@i18n.command("migrate")
@directory_option
def migrate_command(directory: Path | None) -> None:
    """Cut single whole-locale catalogs into one catalog per procedure plus the interface's (nothing is lost)."""
    from contentapi.i18n.workflow import WorkflowError, migrate

    try:
        written = migrate(translations_folder(directory))
    except WorkflowError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write a catalog: {error.strerror or error}")
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"migrated: {len(written)} files written" if written else "nothing to migrate")


@i18n.command("pull")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable).")
@click.option("--force", is_flag=True, help="Also overwrite catalogs holding work that was never published.")
def pull_command(locales: tuple[str, ...], force: bool) -> None:
    """Write the published catalogs into the translations folder, to review and commit them."""
    from contentapi.delivery.factory import EXTENSION
    from contentapi.i18n.revisions import StoreError

    codes = []
    for name in locales:
        code = translatable_locale(name)
        if code is None:
            raise click.UsageError(f"{name!r} is not a translatable locale ({', '.join(SUPPORTED_LOCALES[1:])})")
        codes.append(code)
    try:
        written, kept = current_app.extensions[EXTENSION].publisher.pull(tuple(codes) or SUPPORTED_LOCALES, force)
    except (OSError, StoreError) as error:
        fail(f"cannot pull: {getattr(error, 'detail', None) or error}")
    for path in written:
        click.echo(f"wrote {path}")
    for path in kept:
        click.echo(f"contentapi: {path} holds changes that were never published; left as it is "
                   "(publish them, or pull --force to replace them)", err=True)
    click.echo(f"pulled: {len(written)} catalogs written, {len(kept)} left alone")


def _locale_argument(name: str) -> str:
    code = translatable_locale(name)
    if code is None:
        raise click.UsageError(f"{name!r} is not a translatable locale ({', '.join(SUPPORTED_LOCALES[1:])})")
    return code


def _reviewer_token(locale: str):
    """The reviewer a token names: CONTENTAPI_TOKEN, else asked for (hidden) on a terminal; verified
    against the TOKENS file like the HTTP API (a reviewer or admin role, scoped to the locale)."""
    import os

    from contentapi.i18n.tokens import REVIEWER, TokenError, TokenStore

    path = current_app.config.get("TOKENS")
    if not path:
        fail("set CONTENTAPI_TOKENS to the tokens file: a review is recorded under a reviewer's token")
    token = os.environ.get("CONTENTAPI_TOKEN")
    if not token:
        if not sys.stdin.isatty():
            fail("set CONTENTAPI_TOKEN to your reviewer token (or run this on a terminal to be asked for it)")
        token = click.prompt("Your reviewer token", hide_input=True)
    try:
        reviewer = TokenStore(path).verify(token.strip())
    except TokenError as error:
        fail(str(error))
    if reviewer is None:
        fail("that token is not valid (missing, wrong or revoked)")
    if not reviewer.may_publish(locale) or not reviewer.has_role(REVIEWER):
        fail(f"the token of {reviewer.name} may not review {locale} (it needs the reviewer role and the locale)")
    return reviewer


@i18n.command("review")
@click.argument("locale")
@procedure_option
@click.option("--interface", is_flag=True, help="The interface catalog.")
@click.option("--message", "-m", "messages", multiple=True, metavar="MSGCTXT",
              help="One message, by msgctxt (an interface message without one: by its msgid); repeatable.")
@click.option("--review", "review_flag", is_flag=True, help="Mark reviewed.")
@click.option("--approve", "approve_flag", is_flag=True, help="Mark approved (reviewed too, when it was not).")
@click.option("--reject", "reject_flag", is_flag=True, help="Send back: needs-review, reviewers forgotten.")
@click.option("--back-translation", "back", multiple=True, metavar="MSGCTXT=TEXT",
              help="Attach a back-translation to a message (repeatable; TEXT may hold \\n for line breaks).")
@click.option("--json", "as_json", is_flag=True, help="List as JSON.")
def review_command(locale: str, procedure: str | None, interface: bool, messages: tuple[str, ...], review_flag: bool,
                   approve_flag: bool, reject_flag: bool, back: tuple[str, ...], as_json: bool) -> None:
    """List review states of LOCALE's published catalogs, or review, approve or reject messages.

    Without --review/--approve/--reject or --back-translation, lists each message's state. With one,
    needs a reviewer token (CONTENTAPI_TOKEN, or asked for): the review is recorded under its name
    and today's date, published as new revisions of the store, as over HTTP (POST
    /api/v1/translations/LOCALE/reviews). Nobody reviews or approves a message they translated.
    """
    from contentapi.delivery.factory import EXTENSION
    from contentapi.i18n.domains import UI_DOMAIN, domain_of
    from contentapi.i18n.po import read_po
    from contentapi.i18n.publishing import NoCatalog, PublishError, ReviewRefused
    from contentapi.i18n.review import ReviewRequest, message_names, review_of, state_of
    from contentapi.i18n.revisions import StoreError

    locale = _locale_argument(locale)
    actions = [name for name, given in (("review", review_flag), ("approve", approve_flag), ("reject", reject_flag)) if given]
    if len(actions) > 1:
        raise click.UsageError(f"give one of --review, --approve and --reject, not {' and '.join('--' + a for a in actions)}")
    action = actions[0] if actions else None
    publisher = current_app.extensions[EXTENSION].publisher
    backs = {}
    for item in back:
        context, sep, text = item.partition("=")
        if not sep or not context:
            raise click.UsageError(f"--back-translation takes MSGCTXT=TEXT, not {item[:40]!r}")
        backs[context] = text.replace("\\n", "\n")
    try:
        manifest = publisher.store.manifest(locale)
    except (OSError, StoreError) as error:
        fail(f"cannot read the published catalogs: {error}")
    if procedure is not None and (procedure == UI_DOMAIN or procedure not in manifest.domains):
        published = ", ".join(sorted(set(manifest.domains) - {UI_DOMAIN})) or "none"
        fail(f"{locale} has no published catalog of the procedure {procedure!r} (published: {published})")

    def domain_of_name(name: str) -> str:
        """The published catalog a named message is in (the interface unless its msgctxt names one)."""
        domain = domain_of(name)
        return domain if domain in manifest.domains else UI_DOMAIN

    if action is None and not backs:
        domains = [procedure] if procedure else [UI_DOMAIN] if interface else sorted(manifest.domains)
        if messages:
            domains = sorted({domain_of_name(name) for name in messages})
        rows = []
        try:
            for domain in domains:
                if domain not in manifest.domains:
                    continue
                po = read_po(publisher.current(locale, domain)[0])
                entries = po.messages
                if messages:
                    names = message_names(po)
                    entries = [names[name] for name in messages if name in names and domain_of_name(name) == domain]
                for entry in entries:
                    review = review_of(entry)
                    marks = {name: (str(getattr(review, name)) if review and getattr(review, name) else None)
                             for name in ("translated", "reviewed", "approved")}
                    rows.append({"domain": domain, "msgctxt": entry.context, "msgid": entry.msgid,
                                 "state": state_of(entry, review), **marks,
                                 "back_translation": review.back_translation if review else None})
        except (OSError, StoreError, NoCatalog) as error:
            fail(f"cannot read the published catalogs: {getattr(error, 'detail', None) or error}")
        found = {row["msgctxt"] or row["msgid"] for row in rows} | {row["msgid"] for row in rows if not row["msgctxt"]}
        missing = [name for name in messages if name not in found]
        if missing:
            fail(f"no published message of {locale} has the msgctxt {missing[0]!r} (nor that msgid, without a msgctxt)")
        if as_json:
            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        for row in rows:
            who = "; ".join(f"{name} {row[name]}" for name in ("translated", "reviewed", "approved") if row[name])
            click.echo(f"{row['state']:<13} {row['msgctxt'] or row['msgid'][:40]}" + (f"  ({who})" if who else ""))
        return
    if not (procedure or interface or messages or backs):
        raise click.UsageError("name what to review: --procedure SLUG, --interface or --message MSGCTXT")
    requests: dict[str, ReviewRequest] = {}
    if procedure:
        requests.setdefault(procedure, ReviewRequest(action)).everything = action is not None
    if interface:
        requests.setdefault(UI_DOMAIN, ReviewRequest(action)).everything = action is not None
    for context in messages:
        requests.setdefault(domain_of_name(context), ReviewRequest(action)).contexts.add(context)
    for context, text in backs.items():
        requests.setdefault(domain_of_name(context), ReviewRequest(action)).back_translations[context] = text
    reviewer = _reviewer_token(locale)
    try:
        revisions, changed, warnings, _ = publisher.review(locale, requests, reviewer.name, None)
    except ReviewRefused as error:
        fail(f"refused: {error.error.message}; nothing was changed")
    except (PublishError, OSError, StoreError) as error:
        fail(f"cannot review: {getattr(error, 'detail', None) or error}")
    for finding in warnings:
        click.echo(finding.format(), err=True)
    for item in changed:
        click.echo(f"{item.previous_state} -> {item.state}  {item.msgctxt or item.msgid[:40]}")
    click.echo(f"{len(changed)} messages changed; revisions {', '.join(str(r.id) for r in revisions) or 'none'} "
               f"published by {reviewer.name}")


@i18n.command("policy")
@click.argument("locale", required=False)
@click.argument("serve", required=False, type=click.Choice(["approved", "translated"]))
@directory_option
def policy_command(locale: str | None, serve: str | None, directory: Path | None) -> None:
    """Show what readers of each locale get, or set LOCALE's policy (translations/<locale>/locale.toml):
    approved (only approved translations; English for the rest) or translated (every translation
    that passes the checks, with a notice while any is not approved). Servers read it at start-up."""
    from contentapi.i18n.review import PolicyError, policies, policy_path, write_policy

    folder = translations_folder(directory)
    if serve is not None:
        code = _locale_argument(locale)
        try:
            path = write_policy(folder, code, serve)
        except OSError as error:
            fail(f"cannot write {policy_path(folder, code)}: {error.strerror or error}")
        click.echo(f"wrote {path}: {code} serves {serve} (restart the servers)")
        return
    codes = (_locale_argument(locale),) if locale else SUPPORTED_LOCALES[1:]
    try:
        found = policies(folder, codes, current_app.config.get("TRANSLATION_POLICY", ""))
    except PolicyError as error:
        fail(str(error))
    for code, value in found.items():
        click.echo(f"{code}\t{value}")


@i18n.group("terms", cls=AppGroup)
def terms() -> None:
    """Termbases (TBX): import and export the preferred and deprecated translations of terms."""


@terms.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable; default: every locale the file has).")
@click.option("--replace", is_flag=True, help="Replace each locale's termbase instead of merging into it.")
@directory_option
def terms_import(file: Path, locales: tuple[str, ...], replace: bool, directory: Path | None) -> None:
    """Read a TBX file (v2 or v3, any number of languages) into each locale's termbase.

    A concept with the same id (else the same preferred English term) takes the file's terms for
    that locale; other concepts are kept, unless --replace.
    """
    from contentapi.i18n.catalogs import atomic_write
    from contentapi.i18n.terms import Termbase, TermbaseError, read_tbx, termbase_path, write_tbx

    folder = translations_folder(directory)
    try:
        imported = read_tbx(file.read_bytes(), str(file))
    except (TermbaseError, OSError) as error:
        fail(str(error))
    codes = [_locale_argument(name) for name in locales] or sorted(imported.languages() - {"en"})
    if not codes:
        fail(f"{file}: no concept has terms in a served locale")
    planned = []  # every termbase read and merged before any is written: a bad one stops the import whole
    for code in codes:
        path = termbase_path(folder, code)
        part = imported.for_locale(code)
        try:
            current = Termbase() if replace or not path.exists() else read_tbx(path.read_bytes(), str(path))
        except TermbaseError as error:
            fail(f"{error} (use --replace to start it again)")
        except OSError as error:
            fail(f"cannot read {path}: {error.strerror or error}")
        planned.append((path, part, current.merged(part), code))
    for path, part, merged, code in planned:
        try:
            atomic_write(path, write_tbx(merged, 2, f"contentapi termbase: English and {code}"))
        except OSError as error:
            fail(f"cannot write {path}: {error.strerror or error}")
        click.echo(f"{path}: {len(part.concepts)} concepts imported, {len(merged.concepts)} in all")


@terms.command("export")
@click.option("--locale", "locales", multiple=True, help="Only this locale (repeatable; default: every locale).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: standard output).")
@click.option("--tbx-version", type=click.Choice(["2", "3"]), default="2", show_default=True,
              help="2: <martif> (ISO 30042:2008, what most CAT tools import); 3: <tbx> (ISO 30042:2019).")
@directory_option
def terms_export(locales: tuple[str, ...], output: Path | None, tbx_version: str, directory: Path | None) -> None:
    """Write the termbases of the locales as one multilingual TBX file (concepts merged by id)."""
    from contentapi.i18n.catalogs import atomic_write
    from contentapi.i18n.terms import Termbase, TermbaseError, read_tbx, termbase_path, write_tbx

    folder = translations_folder(directory)
    codes = [_locale_argument(name) for name in locales] or list(SUPPORTED_LOCALES[1:])
    merged = Termbase()
    for code in codes:
        path = termbase_path(folder, code)
        if not path.exists():
            continue
        try:
            merged = merged.merged(read_tbx(path.read_bytes(), str(path)).for_locale(code))
        except TermbaseError as error:
            fail(str(error))
        except OSError as error:
            fail(f"cannot read {path}: {error.strerror or error}")
    data = write_tbx(merged, int(tbx_version), f"contentapi termbase: English and {', '.join(codes)}")
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        try:
            atomic_write(output, data)
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
        click.echo(f"wrote {output}: {len(merged.concepts)} concepts", err=True)


@click.group("tokens", cls=AppGroup)
@click.option("--file", "token_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Tokens file (default: the TOKENS setting, CONTENTAPI_TOKENS).")
@click.pass_context
@with_appcontext
def tokens(context: click.Context, token_file: Path | None) -> None:
    """Translator tokens for publishing over HTTP (stored only as hashes)."""
    path = token_file or current_app.config.get("TOKENS")
    if not path:
        raise click.UsageError("set CONTENTAPI_TOKENS (or --file) to the tokens file")
    from contentapi.i18n.tokens import TokenStore

    context.obj = TokenStore(path)


@tokens.command("add")
@click.argument("name")
@click.option("--locales", required=True, help="Comma-separated locales this token may work on, e.g. es,ar.")
@click.option("--roles", default="translator", show_default=True,
              help="Comma-separated roles: translator (publish text), reviewer (review and approve), admin (both).")
@click.pass_obj
def tokens_add(store, name: str, locales: str, roles: str) -> None:
    """Create a token for NAME and print it once (only its hash is stored). NAME is who revisions and
    reviews are recorded as, and what readers' documents show as translator or reviewer."""
    from contentapi.i18n.tokens import TokenError, parse_locales, parse_roles

    try:
        token = store.add(name, parse_locales(locales), parse_roles(roles))
    except TokenError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {store.path}: {error.strerror or error}")
    click.echo(token)
    click.echo(f"token for {name} ({locales}; {roles}) created; it is shown only this once", err=True)


@tokens.command("revoke")
@click.argument("name")
@click.pass_obj
def tokens_revoke(store, name: str) -> None:
    """Delete translator NAME's token; it stops working at once in every server."""
    from contentapi.i18n.tokens import TokenError

    try:
        store.revoke(name)
    except TokenError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {store.path}: {error.strerror or error}")
    click.echo(f"revoked {name}")


@tokens.command("list")
@click.pass_obj
def tokens_list(store) -> None:
    """The names and locales of every token (never the tokens)."""
    from contentapi.i18n.tokens import TokenError

    try:
        for entry in store.names():
            click.echo(f"{entry['name']}\t{','.join(entry['locales'] or [])}\t{','.join(entry['roles'])}\t{entry['created']}")
    except TokenError as error:
        fail(str(error))


def init_app(app: Flask) -> None:
    """Register ``contentapi i18n`` and ``contentapi tokens``."""
    app.cli.add_command(i18n)
    app.cli.add_command(tokens)
