"""Validation rules for formulations: each with a stable code, a severity and a source.

Every rule runs on every validation and returns findings; none raises. The
table :data:`RULES` documents them (code, title, severity, where the rule comes
from), and ``compoundkit check`` prints their findings like a linter.
(Over 500 lines on purpose: the 17 rules read as one list, each beside its source.)

>>> sorted(RULES)[:3]
['CK101', 'CK102', 'CK103']
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final

from attrs import frozen

from compoundkit.errors import CompoundkitError
from compoundkit.formulas.findings import Finding, Report, Severity
from compoundkit.formulas.model import NO_MAKES, PER_UNIT_PROBLEM
from compoundkit.names import name_key
from compoundkit.units import Basis, Notation, Strength, resolve_basis

if TYPE_CHECKING:
    from compoundkit.formulas.model import Component, Excipient, Formulation
    from compoundkit.ingredients import Form, Ingredient, Use

    #: A rule's check: the formulation's findings, made with the rule's own ``finding``.
    Check = Callable[[Formulation, "Rule"], Iterator[Finding]]

__all__ = ["RULES", "Rule", "validate"]

USP_PERCENT: Final = "USP General Notices, 'Percentage Measurements'"
USP_795_MFR: Final = "USP <795> Master Formulation Record: identities and amounts of all components"
DOMAIN_MGCL2: Final = "Magnesium chloride monograph facts (ingredient catalog)"


@frozen
class Rule:
    """A validation rule's identity (code, title, default severity, source) and its check.

    The check receives the formulation and the rule itself, to make its findings.
    """

    code: str
    title: str
    severity: Severity
    source: str
    check: Check

    def findings(self, formulation: Formulation) -> Iterator[Finding]:
        """The findings of this rule on ``formulation``."""
        return self.check(formulation, self)

    def finding(
        self,
        message: str,
        *,
        component: str | None = None,
        hint: str = "",
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule."""
        return Finding(self.code, severity or self.severity, message, component, hint, self.source)


RULES: dict[str, Rule] = {}


def rule(code: str, title: str, severity: Severity, source: str) -> Callable[[Check], Rule]:
    """Register a rule function under ``code``."""

    def register(check: Check) -> Rule:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, title, severity, source, check)
        return RULES[code]

    return register


def validate(formulation: Formulation) -> Report:
    """Run every rule; a rule that fails unexpectedly becomes an error finding, never a crash."""
    findings: list[Finding] = []
    for entry in RULES.values():
        try:
            findings.extend(entry.findings(formulation))
        except CompoundkitError as exc:
            findings.append(entry.finding(f"could not be checked: {exc}", severity=Severity.ERROR))
    return Report(tuple(findings))


def _fraction_as(component: Component, fraction: float, form_name: str | None) -> float:
    """A component's w/w fraction re-expressed as the catalog form ``form_name``."""
    if form_name is None:
        return fraction
    target = component.ingredient.form(form_name)
    return fraction * component.expressed_form().factor_to(target)


def _shown(component: Component, value: float, form_name: str | None) -> str:
    """``value`` (a w/w fraction) as text, naming the form when it is not the one written."""
    text = f"{value * 100:.4g} % w/w"
    if form_name is None or component.ingredient.form(form_name) == component.expressed_form():
        return text
    return f"{text} (as {form_name})"


def _weighed(formulation: Formulation) -> float:
    """The grams weighed per gram of preparation, over the lines that have a fraction."""
    return sum(
        line.fraction * line.factor for line in formulation.lines if line.fraction is not None
    )


def _actives(formulation: Formulation) -> Iterator[tuple[Component, float | None]]:
    for component, line in zip(formulation.ingredients, formulation.lines, strict=False):
        yield component, line.fraction


# ----------------------------------------------------------------------- the rules


@rule("CK101", "strength basis fits the dosage form", Severity.ERROR, USP_PERCENT)
def _basis_fits(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    if formulation.out_of_scope:
        return  # CK116 refuses the whole preparation: no per-line fix can work
    for line in formulation.lines:
        if line.problem == PER_UNIT_PROBLEM:
            yield this.finding(
                f"{line.strength}: {line.problem} (in a {formulation.dosage_form})",
                component=line.name,
                hint="state the strength per gram or per millilitre of the preparation "
                "(e.g. '2 % w/w' or '20 mg/g')",
            )
        elif line.problem and line.problem != NO_MAKES:
            yield this.finding(
                f"{line.strength or 'amount'}: {line.problem} (in a {formulation.dosage_form})",
                component=line.name,
                hint="give the measured density of the preparation (density = '1.05 g/mL'), "
                "or write the strength as w/w",
            )


@rule("CK102", "bare percent resolved by the USP rule", Severity.INFO, USP_PERCENT)
def _bare_percent(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    if formulation.bare_percent_basis() is None:
        return  # an unknown dosage form: CK116 reports it
    written: list[Component | Excipient] = [*formulation.ingredients, *formulation.excipients]
    for item, line in zip(written, formulation.lines, strict=True):
        strength = item.strength
        if strength is None or strength.is_resolved or line.strength is None:
            continue
        kind = "ratio" if strength.notation is Notation.RATIO else "percent"
        basis = line.strength.basis.value
        what = "a liquid" if getattr(item, "density_g_per_ml", None) else "a solid"
        yield this.finding(
            f"{strength} read as {line.strength}: a bare {kind} of {what} in a "
            f"{formulation.dosage_form} means {basis}",
            component=line.name,
            hint=f"write '{strength} {basis}' to make it explicit",
        )


@rule("CK103", "actives and excipients leave room for the vehicle", Severity.ERROR, USP_795_MFR)
def _total(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    if all(line.fraction is None for line in formulation.lines):
        return
    weighed = _weighed(formulation)
    if weighed > 1.0 + 1e-12:
        yield this.finding(
            f"actives and excipients weigh {weighed * 100:.4g} % of the preparation "
            "(over 100 %): the vehicle would be negative",
            hint="lower the strengths, or remove an ingredient",
        )
    elif weighed > 1.0 - 1e-12:
        yield this.finding(
            "actives and excipients make up 100 % of the preparation: no vehicle is left",
            severity=Severity.WARNING,
            hint="check the strengths; the vehicle is quantity sufficient to 100 %",
        )


@rule("CK104", "each ingredient appears once", Severity.ERROR, USP_795_MFR)
def _duplicates(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    seen: set[str] = set()
    for component in formulation.ingredients:
        if component.ingredient.id in seen:
            yield this.finding(
                f"{component.name} is listed more than once",
                component=component.name,
                hint="combine the entries into one strength",
            )
        seen.add(component.ingredient.id)
    names: set[str] = set()
    for excipient in formulation.excipients:
        key = name_key(excipient.name)
        if key in names:
            yield this.finding(
                f"excipient {excipient.name} is listed more than once",
                component=excipient.name,
                hint="combine the entries",
            )
        names.add(key)
        ingredient = _catalog_ingredient(excipient.name) if seen else None
        if ingredient is not None and ingredient.id in seen:
            yield this.finding(
                f"excipient {excipient.name} is {ingredient.name}, already an ingredient",
                component=excipient.name,
                hint="list it once, as an ingredient",
            )


def _catalog_ingredient(name: str) -> Ingredient | None:
    """The catalog ingredient ``name`` names, or None."""
    from compoundkit import ingredients

    try:
        return ingredients.get(name)
    except CompoundkitError:
        return None


@functools.lru_cache(maxsize=1024)
def _range_fraction(strength: Strength, dosage_form: str) -> float | None:
    try:
        resolved = strength.resolve(dosage_form)
    except CompoundkitError:
        return None
    return resolved.canonical if resolved.basis is Basis.W_W else None


@rule(
    "CK105", "strength within the catalog's typical range", Severity.WARNING, "ingredient catalog"
)
def _typical(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    for component, fraction in _actives(formulation):
        typical = component.ingredient.typical_strength
        if typical is None or fraction is None:
            continue
        value = _fraction_as(component, fraction, typical.form)
        high = _range_fraction(typical.high, formulation.dosage_form)
        low = _range_fraction(typical.low, formulation.dosage_form) if typical.low else None
        sourced = "" if typical.sourced else " (an unsourced range: pharmacy practice)"
        outside = (high is not None and value > high * (1 + 1e-12)) or (
            low is not None and value < low * (1 - 1e-12)
        )
        if outside:
            yield this.finding(
                f"{_shown(component, value, typical.form)} is outside the typical topical "
                f"range {typical}{sourced}",
                component=component.name,
                hint="check the prescription; document the reason for an unusual strength",
            )


@rule("CK106", "strength not above the catalog's maximum", Severity.ERROR, "ingredient catalog")
def _maximum(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    for component, fraction in _actives(formulation):
        maximum = component.ingredient.max_strength
        if maximum is None or fraction is None:
            continue
        value = _fraction_as(component, fraction, maximum.form)
        high = _range_fraction(maximum.high, formulation.dosage_form)
        if high is not None and value > high * (1 + 1e-12):
            yield this.finding(
                f"{_shown(component, value, maximum.form)} is above the maximum {maximum}",
                component=component.name,
                hint="lower the strength",
            )


@rule("CK107", "salt or hydrate form stated where it matters", Severity.ERROR, DOMAIN_MGCL2)
def _ambiguous_form(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    for component in formulation.ingredients:
        if not component.ingredient.strength_form_required or component.form_stated:
            continue
        if not _named_forms(component):  # "magnesium chloride hexahydrate" states the form
            forms = ", ".join(form.id for form in component.ingredient.forms)
            yield this.finding(
                f"'{component.name} {component.strength or component.amount}' is ambiguous: "
                "the strength differs several-fold between forms",
                component=component.name,
                hint=f"state form = ... and/or expressed_as = ... (one of: {forms})",
            )


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> str:
    return " " + " ".join(re.split(r"[\s\-_,()]+", text.lower())) + " "


def _named_forms(component: Component) -> list[Form]:
    """The catalog forms the formula's written name names ("... hexahydrate", "... HCl").

    The ingredient's own id is taken out first, so that the "magnesium" of "magnesium
    chloride" does not name the elemental-magnesium form.
    """
    if not component.written_name:
        return []
    written = _words(component.written_name).replace(_words(component.ingredient.id), " ")
    written = " " + " ".join(written.split()) + " "
    return [
        form
        for form in component.ingredient.forms
        if any(name.strip() and _words(name) in written for name in form.names())
    ]


@rule("CK108", "salt or hydrate stated consistently", Severity.ERROR, USP_795_MFR)
def _consistent_form(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    for component in formulation.ingredients:
        if not component.written_name:
            continue  # only the catalog name was written: it names no other form
        weighed = component.weighed_form()
        stated = {weighed.id, component.expressed_form().id}
        own = {
            _words(name) for form in (weighed, component.expressed_form()) for name in form.names()
        }
        for form in _named_forms(component):
            names = [n for n in form.names() if _words(n) not in own]
            if form.id in stated or not names:
                continue
            yield this.finding(
                f"the name '{component.written_name}' says {form.name} but the form "
                f"weighed is {weighed.name}",
                component=component.name,
                hint=f"set form = '{form.id}', or write the plain ingredient name",
            )
            break


@rule(
    "CK109",
    "no electrolyte load in a salt-sensitive vehicle",
    Severity.WARNING,
    "Vehicle catalog (PLO, emulsions) and magnesium chloride formulation notes",
)
def _electrolytes(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    vehicle = formulation.vehicle
    sensitive = vehicle.salt_tolerance == "sensitive" or (
        vehicle.salt_tolerance == "unknown" and vehicle.type in ("emulsion", "lotion")
    )
    if not sensitive:
        return
    for component in formulation.ingredients:
        if component.ingredient.physicochemical.electrolyte:
            yield this.finding(
                f"{component.name} is an electrolyte and {vehicle.name} is salt-sensitive: "
                "it can thin, break or shift the gelation of the base",
                component=component.name,
                hint="use a salt-tolerant base (e.g. lipoderm-activemax) or add a thickener",
            )


@rule(
    "CK110",
    "no alkaline vehicle with an amine salt that precipitates",
    Severity.ERROR,
    "Cyclobenzaprine hydrochloride physicochemical facts (ingredient catalog)",
)
def _alkaline(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    if formulation.vehicle.ph_character != "alkaline":
        return
    for component in formulation.ingredients:
        if component.ingredient.physicochemical.precipitates_in_alkaline:
            yield this.finding(
                f"{component.name}: the free base precipitates from an alkaline vehicle "
                f"({formulation.vehicle.name})",
                component=component.name,
                hint="choose a neutral or acidic base and avoid alkaline additives",
            )


@rule(
    "CK111",
    "no salting out beside an electrolyte in a water phase",
    Severity.WARNING,
    "Guaifenesin and magnesium chloride physicochemical facts (ingredient catalog)",
)
def _salting_out(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    if not formulation.vehicle.aqueous:
        return
    electrolytes = [
        c.name for c in formulation.ingredients if c.ingredient.physicochemical.electrolyte
    ]
    if not electrolytes:
        return
    for component in formulation.ingredients:
        if component.ingredient.physicochemical.salted_out_by_electrolytes:
            yield this.finding(
                f"{component.name} is salted out of water by electrolytes "
                f"({', '.join(electrolytes)}) in the aqueous {formulation.vehicle.name}",
                component=component.name,
                hint="dissolve it in a cosolvent (e.g. propylene glycol) before adding the "
                "electrolyte, and check the preparation for crystals",
            )


# A container stated as light-resistant, amber or opaque, and not negated ("not
# light-resistant", "non-opaque"). "airless" says nothing about light.
_LIGHT_RESISTANT: Final = re.compile(
    r"(?<!non-)(?<!non )(?<!not )(?<!not a )"
    r"\b(light[- ]resistant|light[- ]protect\w*|amber|opaque)\b",
    re.IGNORECASE,
)


@rule(
    "CK112",
    "photosensitive ingredient: label and light-resistant container",
    Severity.WARNING,
    "Ketoprofen photolability and photosensitivity (ingredient catalog; EMA 2010)",
)
def _light(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    container = (formulation.container or "").lower()
    protected = _LIGHT_RESISTANT.search(container) is not None
    seen: set[str] = set()
    for component in formulation.ingredients:
        if not component.ingredient.physicochemical.light_sensitive:
            continue
        if component.ingredient.id in seen:
            continue
        seen.add(component.ingredient.id)
        labels = "; ".join(label.text for label in component.ingredient.auxiliary_labels)
        if protected:
            yield this.finding(
                f"{component.name} is light-sensitive: the container is light-resistant; "
                f"apply the auxiliary labels ({labels})",
                component=component.name,
                severity=Severity.INFO,
            )
        else:
            where = (
                f"the container ({formulation.container}) is not stated as light-resistant"
                if formulation.container
                else "the formula does not state its container"
            )
            yield this.finding(
                f"{component.name} is light-sensitive but {where}",
                component=component.name,
                hint=f"container = 'light-resistant ...'; auxiliary labels: {labels}",
            )


@rule("CK113", "vehicle's maximum load not exceeded", Severity.ERROR, "Vehicle catalog")
def _load(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    maximum = formulation.vehicle.max_load
    if maximum is None:
        return
    limit = _range_fraction(maximum, formulation.dosage_form)
    load = _weighed(formulation)
    if limit is not None and load > limit * (1 + 1e-12):
        yield this.finding(
            f"the load of {load * 100:.4g} % w/w exceeds {formulation.vehicle.name}'s "
            f"maximum of {maximum}",
            hint="lower the strengths or choose a base that takes a higher load",
        )


@rule(
    "CK114",
    "evidence for the intended use",
    Severity.INFO,
    "Evidence grades of the ingredient catalog",
)
def _evidence(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    indication = formulation.indication
    if not indication:
        return
    from compoundkit.ingredients import Evidence

    route = formulation.route
    for component in formulation.ingredients:
        # Only uses by the preparation's route count: oral evidence never backs a cream.
        uses = [u for u in _uses_for(component.ingredient.uses, indication) if u.on_route(route)]
        if not uses:
            yield this.finding(
                f"no evidence recorded for {component.name} in {indication} by the {route} route",
                component=component.name,
                hint="document the rationale for including it",
            )
            continue
        best = max(uses, key=lambda u: u.evidence.rank)
        if best.evidence is Evidence.AGAINST:
            yield this.finding(
                f"{component.name} for {indication} ({best.route}): the evidence is against "
                f"this use; {best.summary}",
                component=component.name,
                hint="discuss with the prescriber; keep the claim off the label",
            )
        elif best.evidence in (Evidence.UNSUPPORTED, Evidence.THEORETICAL):
            yield this.finding(
                f"{component.name} for {indication} ({best.route}): evidence "
                f"'{best.evidence.value}'; {best.summary}",
                component=component.name,
                hint="keep the claim off the label; discuss with the prescriber",
            )


@functools.lru_cache(maxsize=1024)
def _uses_for(uses: tuple[Use, ...], indication: str) -> tuple[Use, ...]:
    """The uses matching ``indication`` (memoised: matching is text work)."""
    return tuple(u for u in uses if u.matches(indication))


@rule("CK115", "amounts belong to a stated reference batch", Severity.ERROR, USP_795_MFR)
def _makes(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    for line in formulation.lines:
        if line.problem == NO_MAKES:
            yield this.finding(
                f"{line.name}: {line.problem}",
                component=line.name,
                hint="add makes = '100 g' (the batch the amounts are for)",
            )


@rule("CK116", "the dosage form is known and within scope", Severity.ERROR, USP_PERCENT)
def _dosage_form(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    refused = formulation.out_of_scope
    if refused:
        yield this.finding(refused)  # no hint: nothing in the formula can fix it
        return
    try:
        resolve_basis(formulation.dosage_form)
    except CompoundkitError as exc:
        yield this.finding(str(exc), hint="use a dosage form such as cream, gel or ointment")


_ROOM_TEMPERATURE: Final = re.compile(r"room temperature|\bcrt\b|ambient", re.IGNORECASE)
_REFRIGERATED: Final = re.compile(r"refrigerat|fridge|\bcold\b", re.IGNORECASE)
_NOT_REFRIGERATED: Final = re.compile(
    r"\b(?:not|never|no|don't|do not)\s+(?:be\s+)?(?:refrigerat|fridge|cold)", re.IGNORECASE
)


@rule(
    "CK117",
    "storage agrees with the beyond-use-date class",
    Severity.WARNING,
    "USP <795> (2023) Table 3: BUD and storage by class",
)
def _storage(formulation: Formulation, this: Rule) -> Iterator[Finding]:
    stated = formulation.storage or ""
    refrigerated = _REFRIGERATED.search(stated) and not _NOT_REFRIGERATED.search(stated)
    if not _ROOM_TEMPERATURE.search(stated) or refrigerated:
        return
    from compoundkit.formulas.bud import classify, get_rule_set

    bud_class = classify(
        aqueous=formulation.vehicle.aqueous,
        preserved=bool(formulation.vehicle.preserved),
        dosage_form=formulation.dosage_form,
        route=formulation.route,
    )
    rule = get_rule_set().rule_for(bud_class)
    if "room temperature" in rule.storage:
        return
    preserved = "preserved" if formulation.vehicle.preserved else "not known to be preserved"
    yield this.finding(
        f"storage '{stated}' contradicts the BUD class: {rule.description} "
        f"({formulation.vehicle.name} is aqueous and {preserved}) is stored in a {rule.storage}",
        hint=f"state storage = '{rule.storage}', or a preserved vehicle "
        "(an inline vehicle with preserved = true) if the base is preserved",
    )
