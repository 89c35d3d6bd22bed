"""The weigh station on a terminal (textual): a screen over a :class:`~.station.WeighSession`.

For each line of the record, the q.s. vehicle last: scan the container (the scanner
types into the scan field and ends with Enter; its group separator, Ctrl+], is kept),
press ``t`` to tare with the empty container on the pan, weigh while the live reading is
shown against the target and the line's tolerance, and press ``a`` to accept: only a
stable reading within the tolerance is taken. A stable reading outside it is kept only
with a documented deviation: ``d``, type the reason, Enter. ``Esc`` stops without a
result. On a ``sim://`` balance, ``+`` and ``-`` put 10 % of the target on or off the
simulated pan and ``=`` fills it to the target.

With ``demo=True`` (a ``sim://`` balance only) the station walks itself through with
Enter: each scan field is filled with a made-up label of a product the stock file lists
for the line (lot ``DEMO-n``), and after the tare the simulated pan is filled to the
target, so Enter scans, tares and accepts.

The application returns the weighed compounding record once the last line is done
(``None`` when stopped). Importing this module needs textual (the ``station`` extra).
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Footer, Input, Static

from compoundkit.devices.balance import Reading
from compoundkit.devices.errors import ToleranceError
from compoundkit.devices.mtsics import PINT_UNITS
from compoundkit.devices.station import Step, WeighSession
from compoundkit.errors import CompoundkitError
from compoundkit.records.cr import ComponentRecord, CompoundingRecord

__all__ = ["ScanInput", "StationApp"]

#: The group separator (ASCII 29) a keyboard-wedge scanner types for FNC1.
GS = "\x1d"


class ScanInput(Input):
    """The scan field: keeps the group separator (Ctrl+]) that a scanner types for FNC1."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+right_square_bracket", "group_separator", show=False, priority=True)
    ]

    def action_group_separator(self) -> None:
        """Insert the group separator at the cursor."""
        self.insert_text_at_cursor(GS)


class StationApp(App[CompoundingRecord | None]):
    """Walk a compounding record's lines: scan, tare, weigh, accept."""

    TITLE = "compoundkit station"
    CSS = """
    Screen { padding: 1 2; }
    #line { text-style: bold; }
    #reading { height: 3; content-align: left middle; text-style: bold; }
    #message { height: auto; min-height: 2; }
    #weighed { height: auto; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tare", "Tare"),
        Binding("a", "accept", "Accept"),
        Binding("d", "deviation", "Deviation"),
        Binding("enter", "next", "Next (demo)"),
        Binding("plus", "pour(0.1)", "+10 % (sim)"),
        Binding("minus", "pour(-0.1)", "-10 % (sim)"),
        Binding("equals_sign", "fill", "Fill (sim)"),
        Binding("escape", "stop", "Stop"),
    ]

    def __init__(self, session: WeighSession, *, poll: float = 0.25, demo: bool = False) -> None:
        super().__init__()
        if demo and session.balance.simulator is None:
            raise CompoundkitError("the demo runs on the simulator only: give a sim:// balance")
        self.session = session
        self.poll = poll
        self.demo = demo
        self.last: Reading | None = None
        self.busy = False  # a balance command is running in a worker
        self.message = ""
        self.refused_out_of_band = False  # the last accept was outside the tolerance

    # ------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        sheet = self.session.sheet
        yield Static(
            Text(
                f"{sheet.formulation.name}: {sheet.made_g:g} g, balance {self.session.balance.url}"
            ),
            id="title",
        )
        yield Static(id="line")
        yield Static(id="prompt")
        yield ScanInput(placeholder="scan the container", id="scan")
        yield Input(
            placeholder="why is this weight kept outside its tolerance? (Enter keeps it)",
            id="reason",
            disabled=True,
        )
        yield Static(id="reading")
        yield Static(id="message")
        yield Static(id="weighed")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(self.poll, self.refresh_reading)
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pour", "fill"):
            return self.session.balance.simulator is not None
        if action == "next":
            return self.demo
        return True

    # ------------------------------------------------------------- the screen

    def say(self, message: str, style: str = "") -> None:
        """Show ``message`` under the reading."""
        self.message = message
        with contextlib.suppress(NoMatches):  # a worker's answer as the application closes
            self.query_one("#message", Static).update(Text(message, style=style))

    def show(self) -> None:
        """Show the current line, its stage and what to do."""
        session = self.session
        step = session.current
        try:
            scan = self.query_one("#scan", ScanInput)
        except NoMatches:  # a worker's answer as the application closes
            return
        self.query_one("#reason", Input).disabled = True
        done = "\n".join(_weighed(c) for c in session.weighed)
        self.query_one("#weighed", Static).update(Text(done))
        if step is None:
            self.query_one("#line", Static).update(Text("Every line is weighed."))
            self.query_one("#prompt", Static).update(Text(""))
            return
        number = session.position + 1
        self.query_one("#line", Static).update(
            Text(f"Step {number} of {len(session.steps)}: {_describe(step, session)}")
        )
        prompts = {
            "scan": "Scan the container.",
            "tare": "Put the empty weighing container on the pan and press t to tare.",
            "weigh": "Weigh. Press a to accept a stable reading within the tolerance.",
        }
        if step.phase == "diluent":
            prompts["scan"] = "Scan the container of the base."
            prompts["tare"] = f"Put the container with the {step.name} on the pan; press t to tare."
        elif step.phase == "aliquot":
            prompts["tare"] = "Mix until uniform. Put a new container on the pan; press t to tare."
        if self.demo:
            prompts = {stage: f"{text} (Demo: press Enter.)" for stage, text in prompts.items()}
        self.query_one("#prompt", Static).update(Text(prompts[session.stage]))
        scan.disabled = session.stage != "scan"
        if session.stage == "scan":
            if self.demo and not scan.value:
                scan.value = self._demo_label()
            scan.focus()
        else:
            self.set_focus(None)

    def _demo_label(self) -> str:
        """A made-up label of a product the stock file lists for the current step."""
        session = self.session
        step = session.current
        assert step is not None
        assert step.scan is not None
        name, form, kind = step.scan
        products = session.stock.products(name, form, kind)
        if not products:
            self.say(f"Demo: the stock file lists no product for {name}.", "red")
            return ""
        from datetime import timedelta

        expiry = session.use_by + timedelta(days=365)
        number = len(session.record.components) if kind == "vehicle" else step.index + 1
        return f"(01){products[0].gtin}(17){expiry:%y%m%d}(10)DEMO-{number}"

    def show_reading(self, reading: Reading | None, error: str | None = None) -> None:
        """Show the live reading against the band (called from the poll)."""
        self.busy = False
        try:
            widget = self.query_one("#reading", Static)
        except NoMatches:  # a reading that arrives while the application closes
            return
        step = self.session.current
        if error is not None:
            widget.update(Text(error, style="red"))
            return
        if reading is None or step is None or self.session.stage != "weigh":
            widget.update(Text(""))
            return
        self.last = reading
        inside = self.session.in_band(reading)
        state = "stable" if reading.stable else "moving"
        style = "green" if inside and reading.stable else ("yellow" if inside else "red")
        widget.update(
            Text(
                f"{reading}  ({state}; target {step.target_g:.3f} g, "
                f"band {step.low_g:.3f}-{step.high_g:.3f} g)",
                style=style,
            )
        )

    # ------------------------------------------------------------- scanning

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "reason":
            self._deviation_given(event.value)
            return
        text = event.value
        event.input.value = ""
        try:
            item = self.session.scan(text)
        except CompoundkitError as exc:
            self.say(f"Refused: {exc}", "red")
            return
        label = self.session.label
        assert label is not None
        expiry = label.expiry.isoformat() if label.expiry else "?"
        self.say(f"{item.name}, lot {label.lot}, expires {expiry}.", "green")
        self.show()

    # ------------------------------------------------------------- balance actions

    def refresh_reading(self) -> None:
        """Ask the balance for its reading now, in a worker (never blocks the screen)."""
        if self.session.stage == "weigh" and not self.busy:
            self.busy = True
            self._read()

    @work(thread=True, group="balance")
    def _read(self) -> None:
        try:
            reading = self.session.read()
        except CompoundkitError as exc:
            self.call_from_thread(self.show_reading, None, str(exc))
        else:
            self.call_from_thread(self.show_reading, reading)

    def action_tare(self) -> None:
        if self.session.stage not in ("tare", "weigh"):
            self.say("Scan the container first.", "red")
            return
        self.say("Taring...")
        self._tare()

    @work(thread=True, group="balance")
    def _tare(self) -> None:
        try:
            tare = self.session.tare()
        except CompoundkitError as exc:
            self.call_from_thread(self.say, f"Not tared: {exc}", "red")
        else:
            self.call_from_thread(self.say, f"Tared ({tare:~P}).", "green")
            if self.demo:
                step = self.session.current
                if step is not None:
                    self._simulated(step.goal_g)
        self.call_from_thread(self.show)

    def action_accept(self) -> None:
        if self.session.stage != "weigh":
            self.say("Scan and tare first." if self.session.stage != "done" else "", "red")
            return
        self.say("Waiting for a stable reading...")
        self._accept(None)

    def action_deviation(self) -> None:
        """Ask why a reading outside the tolerance is kept (after it was refused)."""
        if self.session.stage != "weigh" or not self.refused_out_of_band:
            self.say("A deviation is documented for a reading refused as outside its tolerance.")
            return
        reason = self.query_one("#reason", Input)
        reason.disabled = False
        reason.focus()
        self.say("Type why this weight is kept, then Enter (Esc stops the station).", "yellow")

    def _deviation_given(self, text: str) -> None:
        if not text.strip():
            self.say("Give the reason, or weigh again and press a.", "red")
            return
        reason = self.query_one("#reason", Input)
        reason.value = ""
        reason.disabled = True
        self.set_focus(None)
        self.say("Waiting for a stable reading...")
        self._accept(text)

    def action_next(self) -> None:
        """The demo's Enter: tare, then accept."""
        if self.session.stage == "tare":
            self.action_tare()
        elif self.session.stage == "weigh":
            self.action_accept()

    @work(thread=True, group="balance")
    def _accept(self, deviation: str | None) -> None:
        try:
            line = self.session.accept(deviation)
        except ToleranceError as exc:
            step = self.session.current
            self.refused_out_of_band = step is not None and step.keeps_deviation
            more = "; or press d to document the deviation" if self.refused_out_of_band else ""
            self.call_from_thread(self.say, f"Refused: {exc}{more}", "red")
            return
        except CompoundkitError as exc:
            self.call_from_thread(self.say, f"Refused: {exc}", "red")
            return
        self.refused_out_of_band = False
        self.call_from_thread(self.accepted, line)

    def accepted(self, line: ComponentRecord | None) -> None:
        """Show an accepted weighing; finish after the last one."""
        self.say(f"Accepted: {_weighed(line)}" if line is not None else "Accepted.", "green")
        self.show_reading(None)
        if self.session.done:
            self.exit(self.session.record)
        else:
            self.show()

    def action_stop(self) -> None:
        self.exit(None)

    # ------------------------------------------------------------- the simulator

    def _simulated(self, grams: float) -> None:
        simulator = self.session.balance.simulator
        if simulator is None:
            return
        from compoundkit.units import quantity

        simulator.place(quantity(grams, "gram").m_as(PINT_UNITS[simulator.unit]))

    def action_pour(self, fraction: float) -> None:
        step = self.session.current
        if step is not None:
            self._simulated(step.goal_g * fraction)

    def action_fill(self) -> None:
        step = self.session.current
        if step is not None and self.last is not None:
            self._simulated(step.goal_g - self.last.quantity.m_as("gram"))


def _describe(step: Step, session: WeighSession) -> str:
    """What the step asks for, with its band."""
    band = f"{step.low_g:.3f}-{step.high_g:.3f} g, \u00b1{step.component.tolerance:g} %"
    base = session.record.components[-1].name
    by_aliquot = f"{step.form_name} by aliquot"
    return {
        "qs": f"q.s.: weigh {step.goal_g:.3f} g of {step.form_name} to bring the batch to "
        f"{session.sheet.made_g:g} g ({band})",
        "drug": f"{by_aliquot}, 1 of 3: weigh {step.goal_g:.3f} g of {step.form_name} ({band})",
        "diluent": f"{by_aliquot}, 2 of 3: add {step.goal_g:.3f} g of {base} to it ({band})",
        "aliquot": f"{by_aliquot}, 3 of 3: weigh {step.goal_g:.3f} g of the mixture ({band}): "
        f"it holds {step.target_g:.3f} g of {step.name}",
    }.get(step.phase, f"{step.form_name}: weigh {step.target_g:.3f} g ({band})")


def _weighed(line: ComponentRecord) -> str:
    """One weighed line as the screen lists it."""
    at = f" at {line.weighed_at:%H:%M:%S}" if line.weighed_at is not None else ""
    return (
        f"{line.name}: {line.weighed_g:.3f} g (target {line.target_g:.3f} g), lot {line.lot}, "
        f"expiry {line.expiry}, {line.balance}{at}"
    )


def run_station(session: WeighSession, **kwargs: Any) -> CompoundingRecord | None:
    """Run the station on the terminal; the weighed record, or None when stopped."""
    return StationApp(session, **kwargs).run()
