"""Bar charts drawn on the server as SVG (no script, no library): one bar per label, the label
above its bar (long class titles stay readable on a phone), the figure after it; an optional
second value draws as the bar's track (seats taken of capacity, agencies that acknowledged of
all)."""

from dataclasses import dataclass

from markupsafe import Markup, escape

ROW, BAR_WIDTH, WIDTH, LONGEST = 44, 330, 420, 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    out_of: int | None = None

    @property
    def shown(self) -> str:
        return f"{self.value}/{self.out_of}" if self.out_of is not None else str(self.value)


def bars(title: str, items: list[Bar]) -> Markup:
    """An accessible SVG: its title names the chart, each bar has its label and figure."""
    top = max([b.out_of or b.value for b in items] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
             f'viewBox="0 0 {WIDTH} {ROW * len(items)}" aria-label="{escape(title)}">'
             f"<title>{escape(title)}</title>"]
    for row, bar in enumerate(items):
        y = row * ROW
        label = bar.label if len(bar.label) <= LONGEST else bar.label[:LONGEST - 1] + "…"
        parts.append(f'<text x="0" y="{y + 14}" font-size="13" fill="#1f2933">'
                     f"{escape(label)}</text>")
        if bar.out_of is not None:
            parts.append(f'<rect x="0" y="{y + 20}" height="16" fill="#d9e2ec" '
                         f'width="{round(BAR_WIDTH * bar.out_of / top, 1)}"/>')
        parts.append(f'<rect x="0" y="{y + 20}" height="16" fill="#1d5fa8" '
                     f'width="{round(BAR_WIDTH * bar.value / top, 1)}"/>')
        end = BAR_WIDTH * (bar.out_of or bar.value) / top + 6
        parts.append(f'<text x="{round(end, 1)}" y="{y + 33}" font-size="13" '
                     f'fill="#1f2933">{escape(bar.shown)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
