"""Register a frontend's GraphQL operations as trusted documents.

    python manage.py register_documents src/**/*.graphql      # register, print hash and name
    python manage.py register_documents --check src/...       # CI: fail if any is unregistered
    python manage.py register_documents --list                 # what is registered

Each operation in a file becomes one document holding the operation and the fragments it uses
(transitively), printed in a stable form; its SHA-256 is what a client sends as
extensions.persistedQuery.sha256Hash, so a frontend must send exactly that text (or the hash).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from graph.models import TrustedDocument
from graph.trusted_documents import lookup, sha256_hex, store


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args) -> None:
        self.names.add(node.name.value)


def _spreads(node) -> set[str]:
    visitor = _Spreads()
    visit(node, visitor)
    return visitor.names


def split_operations(source: str) -> list[tuple[str, str]]:
    """(name, document text) per operation of a source, with the fragments it uses."""
    document = parse(source)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    result = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        needed: list[str] = []
        pending = sorted(_spreads(definition))
        while pending:
            name = pending.pop(0)
            if name in needed:
                continue
            if name not in fragments:
                raise CommandError(f"fragment {name!r} is used but not defined")
            needed.append(name)
            pending.extend(sorted(_spreads(fragments[name]) - set(needed)))
        single = DocumentNode(definitions=(definition, *(fragments[n] for n in sorted(needed))))
        name = definition.name.value if definition.name else ""
        result.append((name, print_ast(single)))
    return result


class Command(BaseCommand):
    help = "Register the operations of .graphql files as trusted documents (prints their hashes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="*", help=".graphql files or directories")
        parser.add_argument("--list", action="store_true", help="list registered documents")
        parser.add_argument(
            "--check", action="store_true", help="register nothing; fail if any is not registered"
        )

    def handle(self, *args, paths: list[str], list: bool, check: bool, **options) -> None:
        if list:
            for row in TrustedDocument.objects.filter(source=TrustedDocument.Source.REGISTERED):
                self.stdout.write(f"{row.sha256}  {row.name or '(anonymous)'}")
            return
        if not paths:
            raise CommandError("give .graphql files or directories (or --list)")
        missing = []
        for path in self._files(paths):
            try:
                operations = split_operations(path.read_text(encoding="utf-8"))
            except GraphQLSyntaxError as exc:
                raise CommandError(f"{path}: {exc.message}") from exc
            for name, text in operations:
                digest = sha256_hex(text)
                label = f"{digest}  {name or '(anonymous)'}  {path}"
                if check:
                    stored = lookup(digest)
                    if stored is None or not stored.trusted:
                        missing.append(label)
                    continue
                _row, created = store(text, name=name, trusted=True)
                self.stdout.write(f"{label}{'' if created else '  (already known)'}")
        if missing:
            raise CommandError("not registered:\n" + "\n".join(missing))

    @staticmethod
    def _files(paths: list[str]) -> list[Path]:
        files: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if path.is_dir():
                files.extend(sorted(path.rglob("*.graphql")))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{raw}: no such file or directory")
        return files
