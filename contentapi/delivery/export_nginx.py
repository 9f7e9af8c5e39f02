"""The nginx configuration of a static export: every live header, per route, from the recorded answers.

Three files under ``nginx/`` in the export:

- ``http.conf`` (include in ``http {}``): ``map`` blocks only. A request's URL and query choose a
  file of the tree (``$contentapi_base``), ``Accept-Encoding`` chooses a content coding the way the
  live service does (``choose_coding``: br, then gzip, by q-value, exact names before ``*``), and
  the two choose the file sent, its ETag and its *group*: the headers that live sends with it.
- ``server.conf`` (include in a ``server {}`` of its own whose ``root`` is the export): the
  headers (``add_header``) and one ``location /`` that sends the chosen file, 304 when
  ``If-None-Match`` names its ETag, 404 for anything not exported.
- ``nginx.conf``: a complete configuration including both (root, listen address, temp paths).

Why nginx's own machinery is not used for this: ``gzip_static`` and the brotli module choose a
coding by the name's presence (brotli ignores q-values, even ``br;q=0``, and both ignore ``*``),
nginx's ETag is the file's time and size, and its 304 compares ``If-None-Match`` with that ETag
before any ``add_header`` runs. So the coding and the ETag are chosen with maps before the file
is read, and the 304 is answered from them.

Every value written here comes from what the live service answered (``export.Recorder``); the
test ``tests/delivery/test_export_nginx.py`` runs real nginx on an export and compares it with the
live service, URL by URL, coding by coding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from contentapi.delivery.export import (
    CODINGS,
    NONE,
    SAME_IN_EVERY_CODING,
    SECURITY_HEADERS,
    Export,
    ExportError,
    ExportedFile,
    origin_folder,
)

PREFIX = "contentapi"
# Header name -> the variable server.conf sends it from.
HEADER_VARIABLES = {
    "content-type": "Content-Type",
    "content-language": "Content-Language",
    "cache-control": "Cache-Control",
    "vary": "Vary",
    "content-security-policy": "Content-Security-Policy",
    "x-content-type-options": "X-Content-Type-Options",
    "referrer-policy": "Referrer-Policy",
    "permissions-policy": "Permissions-Policy",
}
# Entity headers: live (Werkzeug) leaves them out of a 304.
ENTITY_HEADERS = ("content-type", "content-language")
# Normalised q-values: seven digits, "1000000" for 1 and "0500000" for 0.5.
Q_DIGITS = 7
# The content codings live chooses between, in its order of preference.
SERVER_ORDER = ("br", "gzip", "identity")


def quoted(value: str, dollar: bool = False) -> str:
    """``value`` as an nginx string. ``$`` starts a variable (or a capture) in a value and is an anchor
    in a regex key: allowed only with ``dollar`` (ExportError otherwise, and for control characters)."""
    if ("$" in value and not dollar) or any(ord(character) < 32 for character in value):
        raise ExportError(f"{value[:60]!r} cannot be written into an nginx configuration")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pattern(regex: str, case_insensitive: bool = False) -> str:
    """A map's regex key."""
    return quoted(("~*" if case_insensitive else "~") + regex, dollar=True)


def template(value: str) -> str:
    """A map value that refers to captures (``$1``) or variables."""
    return quoted(value, dollar=True)


def variable(name: str) -> str:
    """``$contentapi_name``."""
    return f"${PREFIX}_{name}"


def map_block(source: str, target: str, entries: Iterable[tuple[str, str]], default: str = '""',
              comment: str = "") -> str:
    """One ``map`` block; keys and values are written as given (quote them with ``quoted``)."""
    lines = [f"# {line}" for line in comment.splitlines()] if comment else []
    lines.append(f"map {source} {target} {{")
    lines.append(f"    default {default};")
    lines += [f"    {key} {value};" for key, value in entries]
    lines.append("}")
    return "\n".join(lines)


# -- Accept-Encoding: choose_coding in maps ---------------------------------------------------

_ITEM_START = r"(?:^|,)[ \t]*"
_ITEM_END = r"[ \t]*(?:,|$)"
_Q = r"[ \t]*;[ \t]*q="


def q_entries(name: str) -> list[tuple[str, str]]:
    """Regex entries giving the normalised q of the first item naming ``name`` (``*`` for any).

    q=1 (or none) first, so a coding listed twice with q=1 anywhere counts as 1, as live takes
    the highest; then fractions by their number of digits (at most six are kept); then zero.
    """
    coding = re.escape(name)
    one = "1" + "0" * (Q_DIGITS - 1)
    entries = [(f"{_ITEM_START}{coding}(?:{_Q}0*1(?:\\.0+)?)?{_ITEM_END}", one)]
    fraction_digits = Q_DIGITS - 1
    for digits in range(1, fraction_digits):
        entries.append((f"{_ITEM_START}{coding}{_Q}0+\\.(?=0*[1-9])(\\d{{{digits}}}){_ITEM_END}",
                        "0$1" + "0" * (fraction_digits - digits)))
    # Beyond six digits a positive q is still above zero (RFC 9110 allows three).
    entries.append((f"{_ITEM_START}{coding}{_Q}0+\\.0{{{fraction_digits}}}\\d*[1-9]\\d*{_ITEM_END}", "0" * (Q_DIGITS - 1) + "1"))
    entries.append((f"{_ITEM_START}{coding}{_Q}0+\\.(?=0*[1-9])(\\d{{{fraction_digits}}})\\d*{_ITEM_END}", "0$1"))
    entries.append((f"{_ITEM_START}{coding}{_Q}-?0+(?:\\.0+)?{_ITEM_END}", "0" * Q_DIGITS))
    return [(pattern(regex, case_insensitive=True), template(value)) for regex, value in entries]


def greater_regex(width: int, suffix: str) -> str:
    """A regex matching ``A|B`` + suffix where A and B are ``width``-digit strings and B > A."""
    alternatives = []
    for position in range(width):
        rest = width - position - 1
        group = position + 1
        digits = "|".join(f"{a}\\d{{{rest}}}\\|\\{group}[{a + 1}-9]" for a in range(9))
        alternatives.append(f"(\\d{{{position}}})(?:{digits})\\d{{{rest}}}")
    return "^(?:" + "|".join(alternatives) + ")" + suffix


def coding_maps() -> str:
    """The maps that set ``$contentapi_coding`` (identity, gzip or br) as ``choose_coding`` would.

    Each coding's *effective* value is its q (seven digits) and a digit saying whether an item
    named it (1) or only ``*`` did (0): live prefers the higher q, then the named item, then the
    earlier of br, gzip, identity, so the highest effective value wins and ties go to the
    earlier coding. A coding refused with q=0 by name is not acceptable even when ``*`` is.
    """
    width = Q_DIGITS + 1
    blocks = []
    for name, label in (("br", "br"), ("gzip", "gzip"), ("identity", "identity"), ("*", "any")):
        blocks.append(map_block("$http_accept_encoding", variable(f"q_{label}"), q_entries(name)))
    zero = "0" * Q_DIGITS
    for name in SERVER_ORDER:
        blocks.append(map_block(
            f'"{variable(f"q_{name}")}|{variable("q_any")}"', variable(f"e_{name}"),
            [(pattern(f"^{zero}\\|"), '""'), (pattern(f"^(\\d{{{Q_DIGITS}}})\\|"), template("$11")),
             (pattern(f"^\\|{zero}$"), '""'), (pattern(f"^\\|(\\d{{{Q_DIGITS}}})$"), template("$10"))]))
    blocks.append(map_block(
        f'"{variable("e_br")}|{variable("e_gzip")}"', variable("w1"),
        [(pattern("^\\|$"), '""'), (pattern("^\\|"), "gzip"), (pattern("\\|$"), "br"),
         (pattern(greater_regex(width, "$")), "gzip")], default="br"))
    blocks.append(map_block(
        f'"{variable("w1")}|{variable("e_br")}|{variable("e_gzip")}"', variable("w1_value"),
        [(pattern(f"^br\\|(\\d{{{width}}})\\|"), template("$1")),
         (pattern(f"^gzip\\|[^|]*\\|(\\d{{{width}}})$"), template("$1"))]))
    blocks.append(map_block(
        f'"{variable("w1_value")}|{variable("e_identity")}|{variable("w1")}"', variable("coding"),
        [(pattern(greater_regex(width, "\\|")), "identity"),
         (pattern("\\|(br|gzip)$"), template("$1"))], default="identity",
        comment="The content coding live would choose for this Accept-Encoding (choose_coding)."))
    return "\n\n".join(blocks)


# -- routes -----------------------------------------------------------------------------------


def origin_regex(origin: str) -> str:
    """A case-insensitive regex for a registered origin as a query value: raw or percent-encoded
    (``URLSearchParams`` encodes ``:`` and ``/``), with or without the scheme's default port."""
    scheme, _, rest = origin.partition("://")
    colon, slash = "(?::|%3A)", "(?:/|%2F)"
    host, _, port = rest.rpartition(":") if rest.count(":") and not rest.endswith("]") else (rest, "", "")
    default = {"http": "80", "https": "443"}[scheme]
    port_pattern = f"{colon}{port}" if port else f"(?:{colon}{default})?"
    return f"{re.escape(scheme)}{colon}{slash}{slash}{re.escape(host)}{port_pattern}"


def alternatives(values: Iterable[str]) -> str:
    """A regex group matching exactly one of ``values``."""
    return "(?:" + "|".join(re.escape(value) for value in sorted(values)) + ")"


def route_maps(export: Export) -> str:
    """From the URL and query to ``$contentapi_base``, the file of the tree the URL is (or "").

    nginx compares a map's plain keys without case; live's paths, partner ids and static names
    are case-sensitive (``/EN/`` is a redirect, ``?partner=DEMO`` unknown), so those are matched
    by case-sensitive regexes. ``?lang=`` is matched without case, as live matches it.
    """
    locales = sorted({file.headers.get("content-language") for file in export.files} - {None})
    keyless = sorted(partner.id for partner in export.registry.partners.values() if not partner.requires_key)
    themes = sorted(partner.id for partner in export.registry.partners.values())
    statics = sorted(file.path.removeprefix("static/") for file in export.files if file.path.startswith("static/"))
    origins = sorted({o for partner in export.registry.partners.values() if not partner.requires_key for o in partner.origins})
    blocks = [
        map_block("$arg_lang", variable("lang"), [(quoted(locale), quoted(locale)) for locale in locales],
                  default='"-"', comment="?lang= naming a locale, in any case (live also matches es-MX, fr...: not exported)."),
        map_block("$args", variable("partner_given"), [(pattern("(?:^|&)partner(?:=|&|$)"), "1")], default="0"),
        map_block("$args", variable("origin_given"), [(pattern("(?:^|&)origin(?:=|&|$)"), "1")], default="0"),
        map_block(f'"{variable("partner_given")}|$arg_partner"', variable("refused"),
                  [('"0|"', '""')] + ([(pattern(f"^1\\|{alternatives(keyless)}$"), '""')] if keyless else []),
                  default="1",
                  comment="A partner named with ?partner= on any route must be registered without a key (live: 404 or 401)."),
        map_block("$arg_partner", variable("embed_partner"),
                  [(pattern(f"^({alternatives(keyless)})$"), "$1")] if keyless else [], default=quoted(NONE)),
        map_block(f'"{variable("origin_given")}|$arg_origin"', variable("embed_origin"),
                  [('"0|"', quoted(NONE))] + [
                      (pattern(f"^1\\|{origin_regex(origin)}$", case_insensitive=True), quoted(origin_folder(origin)))
                      for origin in origins],
                  default='"-"'),
    ]
    lang, slug, locale = variable("lang"), f"${PREFIX}_slug", f"${PREFIX}_locale"
    slug_group, locale_group = f"(?<{PREFIX}_slug>[a-z0-9-]+)", f"(?<{PREFIX}_locale>{alternatives(locales)})"
    routes = [
        (pattern("^/embed\\.js$"), '"/embed.js"'),
        (pattern("^/sitemap\\.xml$"), '"/sitemap.xml"'),
        (pattern("^/api/v1/locales$"), '"/api/v1/locales.json"'),
        (pattern("^/api/v1/openapi\\.json$"), '"/api/v1/openapi.json"'),
        (pattern("^/api/v1/procedures$"), f'"/api/v1/{lang}/procedures.json"'),
        (pattern(f"^/api/v1/procedures/{slug_group}$"), f'"/api/v1/{lang}/procedures/{slug}.json"'),
        (pattern(f"^/api/v1/procedures/{slug_group}/fragment$"), f'"/api/v1/{lang}/fragments/{slug}.html"'),
        (pattern(f"^/embed/{locale_group}/procedures/{slug_group}$"),
         f'"/embed/{variable("embed_partner")}/{variable("embed_origin")}/{locale}/procedures/{slug}.html"'),
        (pattern(f"^/{locale_group}/$"), f'"/{locale}/index.html"'),
        (pattern(f"^/{locale_group}/procedures/{slug_group}$"), f'"/{locale}/procedures/{slug}.html"'),
    ]
    if themes:
        routes.append((pattern(f"^/embed/themes/{alternatives(themes)}\\.css$"), "$uri"))
    if statics:
        routes.append((pattern(f"^/static/{alternatives(statics)}$"), "$uri"))
    blocks.append(map_block("$uri", variable("base"), routes,
                            comment="The file of the tree a URL names (whether it exists is the entries' business)."))
    return "\n\n".join(blocks)


# -- files, groups and headers ------------------------------------------------------------------


def group_key(file: ExportedFile) -> tuple:
    """What decides a file's headers besides its coding and ETag."""
    return (*(file.headers.get(name, "") for name in SAME_IN_EVERY_CODING), file.cors)


def groups_of(export: Export) -> dict[tuple, str]:
    """Each distinct set of headers, named g1, g2, ... in order of first use."""
    groups: dict[tuple, str] = {}
    for file in export.files:
        groups.setdefault(group_key(file), f"g{len(groups) + 1}")
    return groups


def entry_map(export: Export, groups: dict[tuple, str]) -> str:
    """``"/base|coding"`` -> ``"/file-sent content-encoding etag group"`` for every exported file and coding."""
    entries = []
    for file in export.files:
        group = groups[group_key(file)]
        for coding in CODINGS:
            sent, etag, encoding = file.codings[coding]
            if " " in sent or " " in etag:
                raise ExportError(f"{file.url}: file names and ETags may not contain spaces")
            entries.append((quoted(f"/{file.path}|{coding}"), quoted(f"/{sent} {encoding or '-'} {etag} {group}")))
    return map_block(f'"{variable("base")}|{variable("coding")}"', variable("entry"), entries,
                     comment="Every exported file in every coding: the file sent, its Content-Encoding, ETag and header group.")


def header_maps(export: Export, groups: dict[tuple, str]) -> str:
    """The per-group header values, by status: 200 and 304 as live sends them, error pages the security headers."""
    entry = variable("entry")
    blocks = [
        map_block(entry, variable("sent"), [(pattern("^(\\S+) "), "$1")]),
        map_block(entry, variable("etag"), [(pattern("^\\S+ \\S+ (\\S+) "), "$1")]),
        map_block(entry, variable("group"), [(pattern(" (\\S+)$"), "$1")]),
        map_block(f'"$status|{entry}"', variable("content_encoding"),
                  [(pattern("^200\\|\\S+ (br|gzip) "), "$1")]),
        map_block("$status", variable("last_modified"), [("304", '""')], default="$sent_http_last_modified",
                  comment="Live (Werkzeug) sends no Last-Modified with a 304; an empty value makes nginx drop its own."),
    ]
    group_variable = variable("group")
    for index, name in enumerate(SAME_IN_EVERY_CODING):
        statuses = ("200",) if name in ENTITY_HEADERS else ("200", "304")
        entries = []
        for key, group in groups.items():
            value = key[index]
            if value:
                entries += [(quoted(f"{status}|{group}"), quoted(value)) for status in statuses]
        default = export.error_headers.get(name, "")
        blocks.append(map_block(f'"$status|{group_variable}"', variable(name.replace("-", "_")), entries,
                                default=quoted(default)))
    cors_groups = [group for key, group in groups.items() if key[-1]]
    blocks.append(map_block(f'"$status|{group_variable}"', variable("cors"),
                            [(quoted(f"{status}|{group}"), "1") for group in cors_groups for status in ("200", "304")],
                            default="0"))
    origins = sorted({o for partner in export.registry.partners.values() for o in partner.origins})
    if export.registry.public:
        allowed = [('""', '""')]
        allowed_default = '"*"'
    else:
        raw = (origin_regex(origin).replace("(?::|%3A)", ":").replace("(?:/|%2F)", "/") for origin in origins)
        allowed = [(pattern(f"^{regex}$", case_insensitive=True), "$http_origin") for regex in raw]
        allowed_default = '""'
    blocks.append(map_block("$http_origin", variable("allowed_origin"), allowed, default=allowed_default,
                            comment="Origins live answers CORS for (the partner registry; '*' when it is public)."))
    blocks.append(map_block(f'"{variable("cors")}|{variable("allowed_origin")}"', variable("allow_origin"),
                            [(pattern("^1\\|(.+)$"), "$1")]))
    if export.expose_headers:
        blocks.append(map_block(variable("allow_origin"), variable("expose_headers"), [('""', '""')],
                                default=quoted(export.expose_headers)))
    else:
        blocks.append(map_block(variable("allow_origin"), variable("expose_headers"), []))
    blocks.append(map_block(f'"{variable("etag")}|$http_if_none_match"', variable("not_modified"), [
        (pattern("\\|$"), '""'),
        (pattern("^\\|"), '""'),
        (pattern("\\|(?:.*,)?[ \\t]*\\*[ \\t]*(?:,|$)"), "1"),
        (pattern('^"(?<contentapi_tag>[^"]*)"\\|(?:.*,)?[ \\t]*(?:[Ww]/)?(?:"\\k<contentapi_tag>"|\\k<contentapi_tag>)[ \\t]*(?:,|$)'), "1"),
    ], comment="If-None-Match names the ETag of what would be sent (weak comparison, '*', lists), as live decides a 304."))
    return "\n\n".join(blocks)


def http_conf(export: Export) -> str:
    """``nginx/http.conf``: every map, for the http context."""
    groups = groups_of(export)
    longest = max(len(f"/{file.path}|identity") for file in export.files)
    entries = len(export.files) * len(CODINGS)
    # Room for a few of the longest keys per bucket: with two, nginx cannot place 15,000 keys.
    bucket = 64
    while bucket < 4 * (longest + 16):
        bucket *= 2
    size = 4096
    while size < 4 * entries:
        size *= 2
    head = (
        f"# contentapi static export of {export.public_url or export.base_url}: include in http {{}};\n"
        "# server.conf goes into a server {} of its own whose root is the export folder.\n"
        "# Generated by `contentapi export`: edit the export's settings, not this file.\n"
        "# The hash sizes fit this export's maps and variables; nginx refuses a second *_hash_* in one http {}.\n"
        f"map_hash_bucket_size {bucket};\n"
        f"map_hash_max_size {size};\n"
        "variables_hash_max_size 4096;\n"
    )
    return "\n\n".join([head, coding_maps(), route_maps(export), entry_map(export, groups),
                        header_maps(export, groups)]) + "\n"


def server_conf(export: Export) -> str:
    """``nginx/server.conf``: the headers and the one location, for a server whose root is the export."""
    header_lines = [
        f"add_header {header} {variable(name.replace('-', '_'))}{' always' if name in SECURITY_HEADERS else ''};"
        for name, header in HEADER_VARIABLES.items()
    ]
    return "\n".join([
        "# contentapi static export: include in a server {} of its own, after `root <export folder>;`.",
        "# Types, ETags, ranges and compression are the export's own: nginx's would differ from live.",
        "types { }",
        'default_type "";',
        "charset off;",
        "gzip off;",
        "etag off;",
        "max_ranges 0;",
        "if_modified_since before;",
        "merge_slashes off;",
        "server_tokens off;",
        f"add_header Content-Encoding {variable('content_encoding')};",
        f"add_header ETag {variable('etag')};",
        f"add_header Last-Modified {variable('last_modified')};",
        *header_lines,
        f"add_header Access-Control-Allow-Origin {variable('allow_origin')};",
        f"add_header Access-Control-Expose-Headers {variable('expose_headers')};",
        "",
        "location / {",
        f"    if ({variable('refused')}) {{ return 404; }}",
        f'    if ({variable("sent")} = "") {{ return 404; }}',
        f"    if ({variable('not_modified')}) {{ return 304; }}",
        f"    rewrite ^ {variable('sent')} break;",
        "}",
        "",
    ])


def nginx_conf(root: Path) -> str:
    """``nginx/nginx.conf``: a complete configuration serving the export at ``root`` on 127.0.0.1:8080."""
    return f"""\
# A complete nginx configuration for this export (relative paths are under nginx's prefix, -p):
#   mkdir -p /tmp/contentapi-nginx && nginx -p /tmp/contentapi-nginx -c {root}/nginx/nginx.conf
# Change `listen` (and add TLS) for a real host; http.conf and server.conf are what matter.
daemon off;
worker_processes auto;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path client_body;
    proxy_temp_path proxy;
    fastcgi_temp_path fastcgi;
    uwsgi_temp_path uwsgi;
    scgi_temp_path scgi;
    include http.conf;
    server {{
        listen 127.0.0.1:8080;
        root {root};
        include server.conf;
    }}
}}
"""


def nginx_files(export: Export, root: Path) -> dict[str, str]:
    """The files under ``nginx/`` of an export that will live at ``root``."""
    return {
        "nginx/http.conf": http_conf(export),
        "nginx/server.conf": server_conf(export),
        "nginx/nginx.conf": nginx_conf(root),
    }
