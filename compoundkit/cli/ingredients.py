"""``compoundkit ingredients``: list, show and search the ingredient catalog.

``compoundkit ingredients`` prints a table of every ingredient;
``compoundkit ingredients show NAME`` prints the full card (mechanism, uses with
evidence grades, forms with conversion factors, strengths, handling, cautions,
labels, references); ``--format json`` gives the catalog data format instead.
Unknown names raise :class:`~compoundkit.errors.UnknownIngredientError`, which the
top-level command reports on stderr with exit status 2.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Final

import click

from compoundkit.cli._common import echo

if TYPE_CHECKING:
    from compoundkit.ingredients import Ingredient

__all__ = ["ingredients"]

_DISCLAIMER = (
    "Reference data for a licensed pharmacist; not medical advice. The pharmacist decides."
)


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _summary_rows(items: tuple[Ingredient, ...], route: str | None = None) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for ing in items:
        typical = "-" if ing.typical_strength is None else str(ing.typical_strength)
        on_route = [u for u in ing.uses if route is None or u.on_route(route)]
        best = max(
            (u for u in on_route if not u.claim), key=lambda u: u.evidence.rank, default=None
        )
        claim = next((u for u in on_route if u.claim), None) if best is None else None
        if best is not None:
            use = f"{best.condition} ({best.evidence.value})"
        elif claim is not None:
            use = f"{claim.condition} ({claim.evidence.value} claim)"
        else:
            use = "-"
        rows.append((ing.id, ing.name, ing.drug_class, ing.default_form, typical, use))
    return rows


_HEADERS = ("id", "name", "class", "weighed form", "typical topical strength", "best-supported use")


def _print_table(items: tuple[Ingredient, ...], route: str | None = None) -> None:
    """The catalog table: ids and forms whole, descriptions shortened to fit the terminal.

    With ``route``, the best-supported use is the best use by that route.
    """
    from compoundkit.cli._table import flow, format_table, terminal_width

    width = terminal_width()
    headers = _HEADERS if route is None else (*_HEADERS[:-1], f"best-supported {route} use")
    lines = format_table(
        headers,
        _summary_rows(items, route),
        width=width,
        whole={0, 3},  # the id and the form a user types
        shorten={2, 5},  # class and use: `ingredients show ID` has them in full
    )
    for line in (*lines, *flow("", _DISCLAIMER, 0, width)):
        click.echo(line)


@click.group(invoke_without_command=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format of the list.",
)
@click.pass_context
def ingredients(ctx: click.Context, fmt: str) -> None:
    """List the ingredient catalog (or use a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    from compoundkit import ingredients as catalog

    if fmt == "json":
        _echo_json(catalog.export_dict())
    else:
        _print_table(catalog.all())


@ingredients.command("show")
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "table", "json"]),
    default="text",
    show_default=True,
    help="'text' (alias 'table') prints the card; 'json' the catalog data.",
)
def show(name: str, fmt: str) -> None:
    """Show everything the catalog holds about NAME (id, name, synonym...)."""
    from compoundkit import ingredients as catalog

    ing = catalog.get(name)
    if fmt == "json":
        _echo_json(ing.to_dict())
    else:
        echo(render_card(ing))


@ingredients.command("search")
@click.argument("text", required=False)
@click.option("--condition", help="Match uses (condition, keywords, summary).")
@click.option("--class", "drug_class", help="Match the drug class.")
@click.option(
    "--min-evidence",
    type=click.Choice(["established", "limited", "theoretical", "unsupported", "against"]),
    help="Only uses graded at least this ('against': evidence of no benefit, the lowest).",
)
@click.option(
    "--route",
    callback=lambda _ctx, _param, value: _route(value),
    help="Only uses by this route: topical, oral... (oral evidence never answers a "
    "topical search).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def search(
    text: str | None,
    condition: str | None,
    drug_class: str | None,
    min_evidence: str | None,
    route: str | None,
    fmt: str,
) -> None:
    """Find ingredients by use/condition or drug class (TEXT matches either)."""
    from compoundkit import ingredients as catalog

    if text is None and condition is None and drug_class is None and route is None:
        raise click.UsageError("give TEXT, --condition, --class or --route")
    found = catalog.search(
        text,
        condition=condition,
        drug_class=drug_class,
        min_evidence=min_evidence,
        route=route,
    )
    if fmt == "json":
        _echo_json(catalog.export_dict(found)["ingredients"])
    elif not found:
        click.echo("no ingredient matches")
    else:
        _print_table(found, route)


def _route(value: str | None) -> str | None:
    """``--route`` checked against the catalog's routes (read only when given)."""
    if value is None:
        return None
    from compoundkit.ingredients import ROUTES
    from compoundkit.names import name_key

    if name_key(value) not in ROUTES:
        raise click.BadParameter(f"{value!r}; allowed: {', '.join(ROUTES)}", param_hint="--route")
    return name_key(value)


def render_card(ing: Ingredient) -> str:
    """The full plain-text card of ``ing`` that ``show`` prints."""
    lines: list[str] = [f"{ing.name} ({ing.id})", "=" * (len(ing.name) + len(ing.id) + 3)]

    def section(title: str) -> None:
        lines.extend(("", title))

    names = [*ing.synonyms, *ing.trade_names]
    if names:
        lines.append("Also: " + ", ".join(names))
    if ing.confusable_names:
        lines.append("Not to be confused with: " + ", ".join(ing.confusable_names))
    lines.append(f"Class: {ing.drug_class}")
    lines.append(f"Mechanism: {ing.mechanism.summary} [{', '.join(ing.mechanism.sources)}]")
    section("Uses (evidence)")
    for use in ing.uses:
        tag = "CLAIM, " if use.claim else ""
        lines.append(f"  - {use.condition}, {use.route}: {tag}{use.evidence.value}")
        lines.append(f"      {use.summary} [{', '.join(use.sources)}]")
        if use.dosing:
            lines.append(f"      Dosing: {use.dosing}")
    section(f"Forms (weighed: {ing.default_form})")
    default = ing.form()
    for form in ing.forms:
        ids = ", ".join(f"{k} {v}" for k, v in (("CAS", form.cas), ("UNII", form.unii)) if v)
        factor = form.factor_to(default)
        lines.append(
            f"  - {form.id}: {form.name}, {form.formula}, "
            f"MW {form.computed_molecular_weight:.2f} g/mol"
            + (f", {ids}" if ids else "")
            + (
                f"; 1 g {default.id} = {default.factor_to(form):.4f} g, "
                f"1 g = {factor:.4f} g {default.id}"
                if form is not default
                else ""
            )
        )
    if ing.valence is not None:
        lines.append(
            f"  1 g {default.id} = {ing.mmol_per_gram().magnitude:.3f} mmol "
            f"= {ing.meq_per_gram().magnitude:.2f} mEq (valence {ing.valence})"
        )
    section("Strength")
    if ing.strength_form_required:
        lines.append(
            "  A strength must state the form (" + ", ".join(f.id for f in ing.forms) + ")."
        )
    if ing.typical_strength is not None:
        rng = ing.typical_strength
        lines.append(f"  Typical {rng.route}: {rng}" + (f" ({rng.note})" if rng.note else ""))
    if ing.max_strength is not None:
        lines.append(f"  Maximum: {ing.max_strength}")
    for seen in ing.strengths_seen:
        extra = "; ".join(x for x in (seen.dosage_form, seen.vehicle, seen.note) if x)
        lines.append(f"  Seen: {seen.strength}" + (f" ({extra})" if extra else ""))
    pc = ing.physicochemical
    section("Handling")
    for note in pc.flag_notes:
        lines.append(f"  - {note.topic.replace('_', ' ')}: {note.text}")
    if pc.melting_point is not None:
        mp = pc.melting_point
        lines.append(f"  - melting point: {mp.low:g}-{mp.high:g} {mp.unit or ''}".rstrip())
    for key in ("pka", "logp"):
        value = getattr(pc, key)
        if value is not None:
            lines.append(f"  - {key}: {'~' if value.approximate else ''}{value.value:g}")
    for sol in pc.solubility:
        lines.append(f"  - solubility in {sol.solvent}: {sol.text}")
    if pc.storage is not None:
        lines.append(f"  - storage: {pc.storage.text}")
    for note in ing.formulation_notes:
        lines.append(f"  - {note.topic}: {note.text}")
    if ing.cautions:
        section("Cautions")
        lines.extend(f"  - {c.category}: {c.text}" for c in ing.cautions)
    if ing.auxiliary_labels:
        section("Auxiliary labels")
        lines.extend(f"  - {label.text}" for label in ing.auxiliary_labels)
    section("References")
    for ref in ing.references:
        where = (
            ref.url
            or (f"doi:{ref.doi}" if ref.doi else "")
            or (f"PubMed {ref.pubmed}" if ref.pubmed else "")
        )
        lines.append(f"  [{ref.id}] {ref.citation}" + (f" {where}" if where else ""))
    lines.extend(("", _DISCLAIMER))
    return _DEGREES.sub(r"°\1", "\n".join(lines))


#: pint's temperature unit names, as the catalog writes them (``degC``), shown as ``°C``.
_DEGREES: Final = re.compile(r"\bdeg(?:ree_)?(C|F)(?:elsius|ahrenheit)?\b")
