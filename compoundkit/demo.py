"""``make demo``: compoundkit at work on real examples.

Run with ``python -m compoundkit.demo``.
"""

from __future__ import annotations

from compoundkit.units import Strength


def strengths_demo() -> None:
    """Parse the strengths a pharmacist writes, and show what each one means."""
    print("Strengths, parsed by compoundkit's strict grammar:")
    for text in ("10 % w/w", "2% (w/w)", "20 mg/g", "2 mg/mL", "0.5 g/100 g", "1:1000", "10 %"):
        strength = Strength.parse(text)
        note = strength.basis.value
        if not strength.is_resolved:
            note += f" -> in a cream: {strength.resolve('cream')}"
            note += f"; in a solution: {strength.resolve('solution')}"
        print(f"  {text!r:16} -> {strength!s:14} {note}")
    cream = Strength.parse("10 % w/w")
    as_w_v = cream.to("% w/v", density="1.05 g/mL")
    print(f"  {cream} = {cream.to('mg/g')}; as w/v at 1.05 g/mL: {as_w_v:.4g}")
    print("Bad input is refused before it reaches any evaluator:")
    for text in ("9**9**9 mg/g", "10 %w/x", "150 % w/w"):
        try:
            Strength.parse(text)
        except ValueError as exc:
            print(f"  {text!r:16} -> {str(exc).splitlines()[0]}")


def weigh_sheet_demo() -> None:
    """Check the muscle-spasm cream and print its weigh sheet for 120 g."""
    from pathlib import Path

    from compoundkit.cli._table import print_sheet
    from compoundkit.formulas import load_formula

    path = Path(__file__).resolve().parent.parent / "examples" / "muscle-spasm-cream.toml"
    formulation = load_formula(path)
    print(f"\nThe muscle-spasm cream ({path.name}), 120 g:\n")
    print_sheet(formulation.batch("120 g"))


def main() -> None:
    """Print the demo."""
    strengths_demo()
    weigh_sheet_demo()


if __name__ == "__main__":
    main()
