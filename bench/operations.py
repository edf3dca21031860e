"""The benchmark's operations (../shared/BENCHMARK.md, API.md): one copy for the benchmark
driver, the in-process profiler and the tests that pin their answers and SQL counts."""

import base64
import json
import random
from pathlib import Path

Q1 = """query ConsultationPage($agency: String!, $slug: String!) {
  consultation(agency: $agency, slug: $slug) {
    title
    intro
    body { __typename ... on RichTextBlock { html } }
    phases { title startsAt endsAt }
    proposals(first: 50, orderBy: SUPPORTS) {
      totalCount
      edges { node {
        id title body status supportCount createdAt
        author { displayName }
        comments(first: 5, orderBy: OLDEST) {
          edges { node { id body createdAt author { displayName } } }
        }
      } }
    }
  }
}"""
Q2 = """query ProposalList($agency: String!, $slug: String!) {
  consultation(agency: $agency, slug: $slug) {
    proposals(first: 100, orderBy: NEWEST) {
      totalCount
      edges { node { id title supportCount commentCount } }
    }
  }
}"""
IDS = """query Ids($agency: String!, $slug: String!, $after: String) {
  consultation(agency: $agency, slug: $slug) {
    proposals(first: 100, after: $after, orderBy: OLDEST) {
      edges { node { id } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
SUPPORT = "mutation S($id: ID!) { supportProposal(id: $id) { proposal { supportCount } errors { code } } }"
COMMENT = (
    "mutation C($p: ID!, $body: String!) { addComment(proposalId: $p, body: $body) "
    "{ comment { id } errors { code } } }"
)
VARIABLES = {"agency": "a", "slug": "climate-plan"}


def proposal_gid(pk: int) -> str:
    return base64.b64encode(f"Proposal:{pk}".encode()).decode()


def write_mix(
    tokens: dict[int, str], pks: list[int], taken: set[tuple[int, int]], count: int
) -> list[tuple[str, dict]]:
    """(token, body) of `count` writes: supportProposal and addComment alternately, each by
    the next citizen (tokens are keyed by the citizen's number) on a random proposal of `pks`;
    a support never repeats a (citizen, proposal) pair of `taken`, which it extends. One
    copy for bench/run.py and bench/inprocess.py."""
    rng = random.Random(20240601)
    citizens = sorted(tokens)
    items = []
    for i in range(count):
        citizen = citizens[i % len(citizens)]
        pk = rng.choice(pks)
        if i % 2 == 0:
            while (citizen, pk) in taken:
                pk = rng.choice(pks)
            taken.add((citizen, pk))
            body = {"query": SUPPORT, "variables": {"id": proposal_gid(pk)}}
        else:
            text = f"Benchmark comment {i} on proposal {pk}: cycle lanes along every canal."
            body = {"query": COMMENT, "variables": {"p": proposal_gid(pk), "body": text}}
        items.append((tokens[citizen], body))
    return items


def writes_for(tokens_path: str, count: int) -> list[tuple[str, dict]]:
    """The write mix for the loaded database (Django set up): its citizens' tokens from
    `tokens_path`, its proposals of the measured consultation, its supports left out."""
    from accounts.models import User
    from participation.models import Proposal, Support

    # The file is keyed by the citizen's number, the suffix of their username (dataset.py).
    tokens = {int(k): v for k, v in json.loads(Path(tokens_path).read_text()).items()}
    number_of = {}
    for pk, username in User.objects.values_list("pk", "username"):
        number = username.rsplit("-", 1)[-1]
        if number.isdigit() and int(number) in tokens:
            number_of[pk] = int(number)
    pks = list(
        Proposal.objects.filter(
            consultation__slug=VARIABLES["slug"], agency__slug=VARIABLES["agency"]
        ).values_list("pk", flat=True)
    )
    taken = {
        (number_of.get(user_id), proposal_id)
        for user_id, proposal_id in Support.objects.values_list("user_id", "proposal_id")
    }
    return write_mix(tokens, pks, taken, count)


# Q1 built up step by step (`--ladder`): what each part of the page costs (bench/PROFILE.md).
_CONSULTATION = (
    "query L($agency: String!, $slug: String!) { consultation(agency: $agency, slug: $slug) "
)
_PROPOSALS = "proposals(first: 50, orderBy: SUPPORTS) { totalCount edges { node { id"
_FIELDS = " title body status supportCount createdAt author { displayName }"
LADDER = {
    "{ __typename }": "{ __typename }",
    "consultation { title }": _CONSULTATION + "{ title } }",
    "+ intro, body, phases": _CONSULTATION
    + "{ title intro body { __typename ... on RichTextBlock { html } } "
    "phases { title startsAt endsAt } } }",
    "+ proposals { id }": _CONSULTATION + "{ title " + _PROPOSALS + " } } } } }",
    "+ proposal fields": _CONSULTATION + "{ title " + _PROPOSALS + _FIELDS + " } } } } }",
    "+ comments { __typename }": _CONSULTATION
    + "{ title "
    + _PROPOSALS
    + _FIELDS
    + " comments(first: 5, orderBy: OLDEST) { __typename } } } } } }",
    "Q1": Q1,
}
