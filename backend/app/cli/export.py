"""`sitelayouts export LAYOUT_ID --format pdf -o FILE`: download a stored layout's export.

Also `write_exports`, which `sitelayouts generate … --export pdf,kmz,dxf` uses to write files
for a layout computed on the spot (no server, no database row).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.errors import InvalidInput
from app.exports.names import FORMAT_NAMES

if TYPE_CHECKING:
    from app.exports.document import ExportDocument


def write_exports(doc: ExportDocument, formats: Sequence[str] | str, directory: Path) -> list[Path]:
    """Write `doc` in each format to `directory` as "<site>-layout.<ext>"; the paths written.

    formats: names or a comma-separated string ("pdf,kmz,dxf"). The directory is created.
    """
    from app.exports.document import safe_filename_stem
    from app.exports.formats import get_format, parse_format_list

    names = parse_format_list(formats) if isinstance(formats, str) else parse_format_list(",".join(formats))
    directory.mkdir(parents=True, exist_ok=True)
    stem = safe_filename_stem(doc.site_name)
    written = []
    for name in names:
        fmt = get_format(name)
        path = directory / f"{stem}-layout.{fmt.extension}"
        path.write_bytes(fmt.writer(doc))
        written.append(path)
    return written


def export(
    layout_id: Annotated[str, typer.Argument(help="The layout's id (UUID).")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMAT_NAMES)}.", show_default=True)
    ] = "pdf",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File or directory to write (default: <site>-layout.<ext>)."),
    ] = None,
) -> None:
    """Export a completed layout from the database (stored in outputs storage like the API does)."""
    from app.config import get_settings
    from app.db import crud
    from app.exports.formats import get_format
    from app.exports.from_db import export_document_for_layout
    from app.exports.service import get_or_create_export
    from app.services import build_services

    get_format(fmt)
    try:
        layout_uuid = uuid.UUID(layout_id)
    except ValueError:
        raise InvalidInput(f"{layout_id!r} is not a layout id (a UUID)") from None
    services = build_services(get_settings())
    try:
        with services.session_factory() as session:
            layout = crud.get_layout(session=session, layout_id=layout_uuid, owner_id=None)
            data, filename, _ = get_or_create_export(
                doc_loader=lambda: export_document_for_layout(
                    session,
                    layout,
                    settings=services.settings,
                    storage=services.storage,
                    with_terrain=fmt.lower() in ("pdf", "dxf"),
                ),
                layout_id=str(layout.id),
                fmt=fmt,
                storage=services.storage,
                site_name=layout.site.name,
            )
    finally:
        services.close()
    path = output if output is not None else Path(filename)
    if path.is_dir():
        path = path / filename
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from exc
    typer.echo(f"{path} ({len(data):,} bytes)")


def register(app: typer.Typer) -> None:
    """Add the `export` command to the `sitelayouts` CLI."""
    app.command("export")(export)
