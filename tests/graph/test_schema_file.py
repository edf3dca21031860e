"""The checked-in SDL is the contract: it must match the code, and keep API.md's names."""

from __future__ import annotations

from graph.management.commands.export_schema import SDL_PATH, current_sdl


def test_schema_file_matches_code():
    assert SDL_PATH.read_text(encoding="utf-8") == current_sdl(), (
        "schema.graphql differs from the code: run `python manage.py export_schema` and review."
    )


def test_contract_names_of_api_md_are_present():
    sdl = current_sdl()
    for fragment in (
        "interface Node",
        "interface Page implements Node",
        "type Consultation implements Page & Node",
        "consultation(agency: String!, slug: String!): Consultation",
        "page(agency: String!, path: String!): Page",
        "node(id: ID!): Node",
        "agency(slug: String!): Agency",
        "union Block = HeadingBlock | RichTextBlock | ImageBlock | QuoteBlock | DocumentBlock "
        "| EmbedBlock | CalloutBlock",
        "enum ConsultationStatus",
        "enum PhaseKind",
    ):
        assert fragment in sdl, fragment
