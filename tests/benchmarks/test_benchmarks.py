"""The benchmarks' own pieces work (their figures are in README "Performance"; no timing here)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.corpus import generate, slug_of
from benchmarks.floor import create_app as create_floor
from benchmarks.publish import edition, edition_number, with_title
from contentapi import create_app
from contentapi.config import REPOSITORY_DIR
from tests.helpers import SLUG


def test_generated_corpus_loads_translated_in_every_procedure(tmp_path):
    content_dir, translations_dir = generate(tmp_path / "corpus", 3)
    app = create_app({"CONTENT_DIR": str(content_dir), "TRANSLATIONS_DIR": str(translations_dir), "TESTING": True})
    client = app.test_client()
    listing = client.get("/api/v1/procedures?lang=es").get_json()
    assert [entry["slug"] for entry in listing["procedures"]] == sorted(slug_of(i) for i in range(3))
    seed = client.get(f"/api/v1/procedures/{slug_of(0)}?lang=es").get_json()
    copy = client.get(f"/api/v1/procedures/{slug_of(2)}?lang=es").get_json()
    assert copy["title"] == seed["title"] != "Kyphoplasty and vertebroplasty"
    same = ("complete", "fallback_blocks", "state", "translated_on")
    assert {key: copy["translation"][key] for key in same} == {key: seed["translation"][key] for key in same}
    assert all("es" in entry["locales"] for entry in listing["procedures"])


def test_floor_replays_the_recorded_bytes_per_accept_encoding(tmp_path):
    (tmp_path / "bodies").mkdir()
    (tmp_path / "bodies" / "0").write_bytes(b"<p>same bytes</p>")
    (tmp_path / "bodies" / "1").write_bytes(b"gzipped")
    recorded = [{"url": "/es/page?x=1", "accept_encoding": "", "body_file": "bodies/0", "etag": '"abc"',
                 "headers": [["Content-Type", "text/html; charset=utf-8"], ["ETag", '"abc"']],
                 "headers_304": [["ETag", '"abc"']]},
                {"url": "/es/page?x=1", "accept_encoding": "gzip", "body_file": "bodies/1", "etag": '"abc-gzip"',
                 "headers": [["Content-Encoding", "gzip"], ["ETag", '"abc-gzip"']], "headers_304": [["ETag", '"abc-gzip"']]}]
    (tmp_path / "floor.json").write_text(json.dumps(recorded))
    client = create_floor(str(tmp_path)).test_client()
    response = client.get("/es/page?x=1")
    assert response.data == b"<p>same bytes</p>" and response.headers["ETag"] == '"abc"'
    assert client.get("/es/page?x=1", headers={"If-None-Match": '"abc"'}).status_code == 304
    assert client.get("/es/page?x=1", headers={"Accept-Encoding": "gzip"}).data == b"gzipped"
    assert client.get("/es/page?x=1", headers={"Accept-Encoding": "gzip", "If-None-Match": '"abc-gzip"'}).status_code == 304
    assert client.get("/es/other").status_code == 404


def test_the_browser_mix_is_seeded_varied_and_revalidates_with_each_codings_etag():
    from benchmarks.traffic import browser_mix, mix_script

    mix = browser_mix(200, "text/html", lambda encoding: f'"etag {encoding}"', 0.2)
    assert mix == browser_mix(200, "text/html", lambda encoding: f'"etag {encoding}"', 0.2)
    assert len({headers["User-Agent"] for headers in mix}) > 50
    assert len({headers["Accept-Language"] for headers in mix}) > 4
    assert {headers["Accept-Encoding"] for headers in mix} >= {"gzip, deflate, br, zstd", "gzip, deflate, br"}
    conditional = [headers for headers in mix if "If-None-Match" in headers]
    assert 20 <= len(conditional) <= 60
    assert all(headers["If-None-Match"] == f'"etag {headers["Accept-Encoding"]}"' for headers in conditional)
    script = mix_script("/es/x", mix[:2])
    assert script.count("{[") == 2 and 'wrk.format("GET", "/es/x", headers)' in script


def test_publish_editions_survive_the_catalog_checks_and_read_back():
    po = (REPOSITORY_DIR / "translations" / "es" / "LC_MESSAGES" / f"{SLUG}.po").read_text(encoding="utf-8")
    changed = with_title(po, 27)
    assert "edición bb" in changed and len(changed.splitlines()) == len(po.splitlines())
    assert [edition_number(edition(n)) for n in (0, 1, 25, 26, 30, 675)] == [0, 1, 25, 26, 30, 675]
    from contentapi.i18n.checks import check_po_bytes

    errors = [f for f in check_po_bytes(changed.encode("utf-8"), "es.po", "es") if f.severity == "error"]
    assert errors == []


def test_scale_ratios_are_paired_by_round_so_one_disturbed_round_does_not_move_them():
    from benchmarks.common import LoadResult
    from benchmarks.scale import paired_ratios

    def load(rps: float, cpu: float) -> LoadResult:
        return LoadResult(int(rps * 10), 10.0, 0, {}, 1.0, 2.0, cpu)

    base = [load(7000, 200), load(3000, 400), load(7200, 210)]  # round 2 met outside load
    large = [load(6650, 210), load(2850, 420), load(6840, 220.5)]
    ratios = paired_ratios(large, base)
    assert (ratios["rps"], ratios["cpu"]) == (0.95, 1.05)
    assert ratios["rps_quartiles"] == [0.95, 0.95] and ratios["cpu_quartiles"] == [1.05, 1.05]
    # Unpaired medians would say 6650 / 7000 = 0.95 here too, but only because round 2 is the same
    # for both; a disturbed round on one side only moves one ratio, and the median not at all.
    spread = paired_ratios(large + [load(7000, 200)], base + [load(3500, 400)])
    assert spread["rps"] == 0.95 and spread["rps_quartiles"][1] > 1.0


def test_scale_rounds_alternate_their_order():
    """No size always runs first (or last, right after another server's load)."""
    from benchmarks.scale import round_order

    orders = [round_order((1, 100, 1000), number) for number in range(4)]
    assert orders == [(1, 100, 1000), (1000, 100, 1), (1, 100, 1000), (1000, 100, 1)]
    assert {order[0] for order in orders} == {1, 1000}


@pytest.mark.parametrize("arguments, complaint", [
    (["scale", "--rounds", "0"], "--rounds: must be at least 1"),
    (["audit", "--repeat", "two"], "--repeat: 'two' is not a whole number"),
    (["api", "--duration", "-1"], "--duration: must be more than 0 seconds"),
    (["publish", "--duration", "nan"], "--duration: must be more than 0 seconds"),
    (["checks", "--repeat", "0"], "--repeat: must be at least 1"),
])
def test_bad_numbers_are_refused_before_anything_starts(arguments, complaint):
    """A count or duration that cannot work is a usage error at once, not a traceback minutes later."""
    completed = subprocess.run([sys.executable, "-m", "benchmarks", *arguments], capture_output=True, text=True,
                               timeout=60, cwd=REPOSITORY_DIR)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1].endswith(complaint)
    assert "Traceback" not in completed.stderr
