"""The benchmark loader: rows, agencies on every row, exact counters, refusal to load twice."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from accounts.models import User
from accounts.tokens import user_for_token
from cms.models import ConsultationPage
from participation.abilities import current_phase_kind
from participation.models import Comment, Proposal, Support

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "bench-dataset-3.json"
FIXTURE_SHA256 = "453e8f73c9af50e28c024606661419230508daf405c435531dd569f443d9278f"
DATASET_SCRIPT = Path(__file__).resolve().parents[3] / "shared" / "bench" / "dataset.py"


def load(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("load_benchmark_dataset", str(path), *args, stdout=out)
    return out.getvalue()


def check_loaded(data: dict) -> None:
    assert Proposal.objects.count() == len(data["proposals"])
    assert Support.objects.count() == len(data["supports"])
    assert Comment.objects.count() == len(data["comments"])
    assert User.objects.filter(username__startswith="bench-citizen-").count() == len(
        data["citizens"]
    )
    for slug, tenant in zip(("a", "b"), data["tenants"], strict=True):
        page = ConsultationPage.objects.get(slug="climate-plan", agency__slug=slug)
        assert page.live and page.title == tenant["consultation"]["title"]
        assert page.body[0].block_type == "rich_text"
        assert [p.title for p in page.phases.all()] == ["Information", "Proposals", "Voting"]
        assert page.agency.name_en == tenant["name"]
        assert page.agency.site.hostname == tenant["hostname"]
    for model in (Proposal, Comment, Support):
        assert not model.objects.exclude(agency__slug__in=["a", "b"]).exists()
    assert not Comment.objects.exclude(agency=models_agency("proposal")).exists()
    mismatched = [
        p.pk
        for p in Proposal.objects.annotate(
            s=Count("supports", distinct=True), c=Count("comments", distinct=True)
        )
        if (p.s, p.c) != (p.support_count, p.comment_count)
    ]
    assert mismatched == []
    assert not Proposal.objects.exclude(agency=models_agency("consultation")).exists()
    assert set(Proposal.objects.values_list("status", flat=True)) <= {
        "submitted",
        "under_review",
        "accepted",
        "rejected",
    }
    first = data["proposals"][0]
    loaded = Proposal.objects.order_by("pk").first()
    assert loaded.title == first["title"]
    assert loaded.author.display_name == data["citizens"][first["author_id"] - 1]["display_name"]


def models_agency(relation: str):
    from django.db.models import F

    return F(f"{relation}__agency")


def test_loads_the_committed_fixture_and_refuses_to_load_twice():
    data = json.loads(FIXTURE.read_text())
    out = load(FIXTURE)
    assert f"fingerprint sha256 {FIXTURE_SHA256}" in out
    check_loaded(data)
    with pytest.raises(CommandError, match="already exist"):
        load(FIXTURE)
    check_loaded(data)


def test_replace_open_now_and_tokens(tmp_path):
    data = json.loads(FIXTURE.read_text())
    load(FIXTURE)
    tokens_path = tmp_path / "tokens.json"
    load(FIXTURE, "--replace", "--open-now", "--tokens-out", str(tokens_path))
    check_loaded(data)
    page = ConsultationPage.objects.get(slug="climate-plan", agency__slug="a")
    assert current_phase_kind(page) == "support"
    tokens = json.loads(tokens_path.read_text())
    assert user_for_token(tokens["1"]).display_name == data["citizens"][0]["display_name"]


@pytest.mark.skipif(not DATASET_SCRIPT.exists(), reason="the benchmark's dataset.py is absent")
def test_loads_a_freshly_generated_dataset(tmp_path):
    path = tmp_path / "dataset.json"
    result = subprocess.run(
        [
            sys.executable,
            str(DATASET_SCRIPT),
            "--proposals",
            "10",
            "--json",
            str(path),
            "--fingerprint",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    expected = result.stdout.split("sha256 ")[1].split()[0]
    out = load(path)
    assert f"fingerprint sha256 {expected}" in out
    check_loaded(json.loads(path.read_text()))


def test_rejects_a_file_that_is_not_a_dataset(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{}")
    with pytest.raises(CommandError, match="Not a benchmark dataset"):
        load(path)
    with pytest.raises(CommandError, match="Cannot read"):
        load(tmp_path / "missing.json")


def test_statistics_are_refreshed_after_loading_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's; SQLite plans without statistics")
    output = load(FIXTURE)
    assert "analyzed (planner statistics refreshed)" in output
    with connection.cursor() as cursor:
        cursor.execute("select reltuples from pg_class where relname = 'participation_proposal'")
        (estimated,) = cursor.fetchone()
    assert estimated == Proposal.objects.count()
