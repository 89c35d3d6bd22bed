"""The weigh station on a terminal (textual): a screen over a :class:`~.station.WeighSession`.

For each line of the batch sheet: scan the container (the scanner types into the scan
field and ends with Enter; its group separator, Ctrl+], is kept), press ``t`` to tare
with the empty container on the pan, weigh while the live reading is shown against the
target and its band, and press ``a`` to accept: only a stable reading inside the band
is taken. ``Esc`` stops without a result. On a ``sim://`` balance, ``+`` and ``-`` put
10 % of the target on or off the simulated pan and ``=`` fills it to the target.

The application returns the list of accepted weighings once the last line is done
(``None`` when stopped). Importing this module needs textual (the ``station`` extra).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static

from compoundkit.devices.balance import Reading
from compoundkit.devices.mtsics import PINT_UNITS
from compoundkit.devices.station import Weighing, WeighSession
from compoundkit.errors import CompoundkitError

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


class StationApp(App[list[Weighing] | None]):
    """Walk a batch sheet: scan, tare, weigh, accept."""

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
        Binding("plus", "pour(0.1)", "+10 % (sim)"),
        Binding("minus", "pour(-0.1)", "-10 % (sim)"),
        Binding("equals_sign", "fill", "Fill (sim)"),
        Binding("escape", "stop", "Stop"),
    ]

    def __init__(self, session: WeighSession, *, poll: float = 0.25) -> None:
        super().__init__()
        self.session = session
        self.poll = poll
        self.last: Reading | None = None
        self.busy = False  # a balance command is running in a worker
        self.message = ""

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
        return True

    # ------------------------------------------------------------- the screen

    def say(self, message: str, style: str = "") -> None:
        """Show ``message`` under the reading."""
        self.message = message
        self.query_one("#message", Static).update(Text(message, style=style))

    def show(self) -> None:
        """Show the current line, its stage and what to do."""
        session = self.session
        step = session.current
        scan = self.query_one("#scan", ScanInput)
        done = "\n".join(str(w) for w in session.weighings)
        self.query_one("#weighed", Static).update(Text(done))
        if step is None:
            self.query_one("#line", Static).update(Text("Every line is weighed."))
            self.query_one("#prompt", Static).update(Text(""))
            return
        number = len(session.weighings) + 1
        self.query_one("#line", Static).update(
            Text(
                f"Line {number} of {len(session.steps)}: {step.form_name}: weigh "
                f"{step.target_g:.3f} g ({step.low_g:.3f}-{step.high_g:.3f} g)"
            )
        )
        prompts = {
            "scan": "Scan the container.",
            "tare": "Put the empty weighing container on the pan and press t to tare.",
            "weigh": "Weigh. Press a to accept a stable reading inside the band.",
        }
        self.query_one("#prompt", Static).update(Text(prompts[session.stage]))
        scan.disabled = session.stage != "scan"
        if session.stage == "scan":
            scan.focus()
        else:
            self.set_focus(None)

    def show_reading(self, reading: Reading | None, error: str | None = None) -> None:
        """Show the live reading against the band (called from the poll)."""
        self.busy = False
        widget = self.query_one("#reading", Static)
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
        self.call_from_thread(self.show)

    def action_accept(self) -> None:
        if self.session.stage != "weigh":
            self.say("Scan and tare first." if self.session.stage != "done" else "", "red")
            return
        self.say("Waiting for a stable reading...")
        self._accept()

    @work(thread=True, group="balance")
    def _accept(self) -> None:
        try:
            weighing = self.session.accept()
        except CompoundkitError as exc:
            self.call_from_thread(self.say, f"Refused: {exc}", "red")
            return
        self.call_from_thread(self.accepted, weighing)

    def accepted(self, weighing: Weighing) -> None:
        """Show an accepted weighing; finish after the last line."""
        self.say(f"Accepted: {weighing}", "green")
        self.show_reading(None)
        if self.session.done:
            self.exit(list(self.session.weighings))
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
            self._simulated(step.target_g * fraction)

    def action_fill(self) -> None:
        step = self.session.current
        if step is not None and self.last is not None:
            self._simulated(step.target_g - self.last.quantity.m_as("gram"))


def run_station(session: WeighSession, **kwargs: Any) -> list[Weighing] | None:
    """Run the station on the terminal; the accepted weighings, or None when stopped."""
    return StationApp(session, **kwargs).run()
